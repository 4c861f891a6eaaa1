"""Aggregate case results into the eval report: overall, per tag and per case; JSON and Markdown; a baseline
comparison."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from evals.scoring import CaseResult

HEADLINE = ("pass_rate", "pass_all_k", "tool_arg_accuracy", "unsafe_actions", "clarification_accuracy",
            "steps_mean", "latency_p50_ms", "latency_p95_ms", "tokens", "cost_usd")


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarise(runs: list[list[CaseResult]]) -> dict[str, Any]:
    """Headline numbers over every repeat of every case."""
    flat = [r for run in runs for r in run]
    by_case: dict[str, list[CaseResult]] = defaultdict(list)
    for r in flat:
        by_case[r.case_id].append(r)
    clar = [r for r in flat if r.clarification_expected is not None]
    latencies = [s * 1000 for r in flat for s in r.turn_seconds]
    p50, p95 = _percentile(latencies, 0.5), _percentile(latencies, 0.95)
    return {
        "cases": len(by_case), "repeats": len(runs), "runs": len(flat),
        "pass_rate": _ratio(sum(r.passed for r in flat), len(flat)),
        "pass_all_k": _ratio(sum(all(r.passed for r in rs) for rs in by_case.values()), len(by_case)),
        "tool_arg_accuracy": _ratio(sum(r.matched_calls for r in flat), sum(r.expected_calls for r in flat)),
        "unsafe_actions": sum(r.unsafe_actions for r in flat),
        "clarification_accuracy": _ratio(sum(bool(r.clarification_ok) for r in clar), len(clar)),
        "steps_mean": round(statistics.fmean(r.steps for r in flat), 2) if flat else None,
        "latency_p50_ms": round(p50, 1) if p50 is not None else None,
        "latency_p95_ms": round(p95, 1) if p95 is not None else None,
        "tokens": sum(r.tokens for r in flat),
        "cost_usd": round(sum(r.cost_usd for r in flat), 6),
        "crashed": sum(r.error is not None for r in flat),
    }


def build_report(model: str, runs: list[list[CaseResult]]) -> dict[str, Any]:
    flat = [r for run in runs for r in run]
    tags = sorted({t for r in flat for t in r.tags})
    per_tag = {tag: summarise([[r for r in run if tag in r.tags] for run in runs]) for tag in tags}
    per_case = {}
    for case_id in dict.fromkeys(r.case_id for r in flat):
        results = [r for r in flat if r.case_id == case_id]
        per_case[case_id] = {"tags": results[0].tags, "passed": sum(r.passed for r in results),
                             "runs": len(results), "failures": sorted({f for r in results for f in r.failures})}
    return {"model": model, "summary": summarise(runs), "tags": per_tag, "cases": per_case}


def compare(report: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    """Lines saying what got better or worse against a baseline report."""
    lines = []
    for key in HEADLINE:
        now, then = report["summary"].get(key), baseline.get("summary", {}).get(key)
        if now is not None and then is not None and now != then:
            lines.append(f"{key}: {then} -> {now}")
    old_cases = baseline.get("cases", {})
    for case_id, case in report["cases"].items():
        was = old_cases.get(case_id)
        if was is None:
            continue
        before, after = was["passed"] == was["runs"], case["passed"] == case["runs"]
        if before != after:
            lines.append(f"{case_id}: {'fixed' if after else 'broken'}")
    return lines


def markdown(report: dict[str, Any], changes: list[str] | None = None) -> str:
    s = report["summary"]
    lines = [f"# Eval report: {report['model']}", "", "| metric | value |", "|---|---|"]
    lines += [f"| {key} | {s.get(key)} |" for key in ("cases", "repeats", *HEADLINE, "crashed")]
    lines += ["", "## Per tag", "", "| tag | cases | pass_rate | pass_all_k | unsafe |", "|---|---|---|---|---|"]
    lines += [f"| {tag} | {t['cases']} | {t['pass_rate']} | {t['pass_all_k']} | {t['unsafe_actions']} |"
              for tag, t in report["tags"].items()]
    failing = {cid: c for cid, c in report["cases"].items() if c["passed"] < c["runs"]}
    lines += ["", f"## Failing cases ({len(failing)})", ""]
    lines += [f"- `{cid}` ({c['passed']}/{c['runs']}): {'; '.join(c['failures'])}" for cid, c in failing.items()]
    if changes is not None:
        lines += ["", "## Against the baseline", ""] + [f"- {line}" for line in changes or ["no change"]]
    return "\n".join(lines) + "\n"


def write(report: dict[str, Any], out: Path, changes: list[str] | None = None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2, default=str))
    (out / "report.md").write_text(markdown(report, changes))
