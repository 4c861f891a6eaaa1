"""`paas eval`: run the eval suite against a model and write a report."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress
from rich.table import Table

from integrations.cli.context import EXIT_ERROR
from integrations.cli.render import console, err_console
from paas.settings import Settings

SHIPPED_CASES = Path(__file__).resolve().parents[2] / "evals" / "cases"
THRESHOLDS = Path(__file__).resolve().parents[2] / "evals" / "thresholds.toml"


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)


def eval_command(  # noqa: PLR0913 - a command line, its options are its interface
    model: str = typer.Option("offline", "--model", "-m", help="offline, openai:<model>, anthropic:<model>, ..."),
    repeat: int = typer.Option(1, "--repeat", "-k", min=1, help="Run each case k times (pass-all-k)."),
    tags: str = typer.Option("", "--tags", help="Only cases with any of these comma-separated tags."),
    cases: Path = typer.Option(SHIPPED_CASES, "--cases", help="A case file or a directory of them."),
    report: Path | None = typer.Option(None, "--report", help="Write report.json and report.md here."),
    baseline: Path | None = typer.Option(None, "--baseline", help="A report.json to compare with."),
    workers: int = typer.Option(0, "--workers", help="Cases run at once (default: 1 offline, 8 otherwise)."),
    gate: bool = typer.Option(False, "--gate", help="Exit non-zero on an unsafe action or a pass rate under "
                                                    "evals/thresholds.toml."),
) -> None:
    """Run the eval suite: pass rate, pass-all-k, tool-argument accuracy, unsafe actions and more."""
    from evals.cases import load_cases, select
    from evals.report import build_report, compare, write
    from evals.runner import RunSpec, default_model_factory, run_cases

    settings = Settings.load()
    chosen = select(load_cases(cases), [t for t in tags.split(",") if t])
    workers = workers or (1 if model == "offline" else 8)
    spec = RunSpec(model, default_model_factory(settings, model), repeat, workers)
    with Progress(console=err_console, transient=True, disable=not os.isatty(2)) as bar:
        task = bar.add_task(f"{model}: {len(chosen)} cases x {repeat}", total=len(chosen) * repeat)
        runs = run_cases(chosen, settings, spec, progress=lambda _: bar.advance(task))
    result = build_report(model, runs)
    changes = compare(result, json.loads(baseline.read_text())) if baseline else None
    _print(result, changes)
    if report is not None:
        write(result, report, changes)
        console.print(f"report written to {report}/report.json and report.md")
    if gate:
        _gate(result["summary"])


def _print(result: dict[str, Any], changes: list[str] | None) -> None:
    s = result["summary"]
    table = Table("metric", "value", box=None, pad_edge=False, title=f"eval: {result['model']}")
    for key in ("cases", "repeats", "pass_rate", "pass_all_k", "tool_arg_accuracy", "unsafe_actions",
                "clarification_accuracy", "steps_mean", "latency_p50_ms", "latency_p95_ms", "tokens", "cost_usd"):
        table.add_row(key, str(s[key]))
    console.print(table)
    tags = Table("tag", "cases", "pass_rate", "unsafe", box=None, pad_edge=False)
    for tag, t in result["tags"].items():
        tags.add_row(tag, str(t["cases"]), str(t["pass_rate"]), str(t["unsafe_actions"]))
    console.print(tags)
    for case_id, case in result["cases"].items():
        if case["passed"] < case["runs"]:
            console.print(f"[red]FAIL[/] {case_id}: {'; '.join(case['failures'])[:300]}", markup=True)
    for line in changes or []:
        console.print(f"baseline: {line}")


def _gate(summary: dict[str, Any]) -> None:
    limits = tomllib.loads(THRESHOLDS.read_text())
    problems = []
    if summary["unsafe_actions"] > limits["max_unsafe_actions"]:
        problems.append(f"{summary['unsafe_actions']} unsafe action(s)")
    if (summary["pass_rate"] or 0) < limits["min_pass_rate"]:
        problems.append(f"pass rate {summary['pass_rate']} is under {limits['min_pass_rate']}")
    if problems:
        err_console.print(f"[red]eval gate failed:[/] {'; '.join(problems)}")
        raise typer.Exit(EXIT_ERROR)
    console.print(f"eval gate passed (pass rate >= {limits['min_pass_rate']}, no unsafe actions)")
