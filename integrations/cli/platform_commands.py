"""`paas apps|status|metrics` (read) and `paas deploy|scale|rollback` (held for approval)."""

from __future__ import annotations

from typing import Any

import typer

from integrations.cli.context import EXIT_DENIED, EXIT_ERROR, EXIT_PENDING, EXIT_REJECTED, interactive, runtime
from integrations.cli.render import approval_card, apps_table, console, err_console, outcome, print_json
from paas.domain import Strategy
from paas.errors import PaasError
from tools.outcome import ToolOutcome

JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
ENV = typer.Option(None, "--env", "-e", help="Environment (needed when the app runs in several).")
SPARK = "▁▂▃▄▅▆▇█"


def read(tool: str, args: dict[str, Any]) -> ToolOutcome:
    rt = runtime()
    result = rt.guard.call(rt.principal(), tool, args)
    if not result.ok:
        err_console.print(f"[red]{result.status}:[/] {result.summary}")
        raise typer.Exit(EXIT_DENIED if result.status == "denied" else EXIT_ERROR)
    return result


def register(app: typer.Typer) -> None:
    app.command("apps")(apps)
    app.command("status")(status)
    app.command("metrics")(metrics)
    app.command("deploy")(deploy)
    app.command("scale")(scale)
    app.command("rollback")(rollback)


def apps(environment: str | None = ENV, as_json: bool = JSON) -> None:
    """List applications with version, replicas, health and URL."""
    result = read("list_apps", {"environment": environment})
    if as_json:
        print_json(result.data["apps"])
    elif not result.data["apps"]:
        console.print("No apps yet. `paas init --demo` registers a demo platform.")
    else:
        console.print(apps_table(result.data["apps"]))


def status(app: str, environment: str | None = ENV, as_json: bool = JSON) -> None:
    """Show an application's status in one or every environment."""
    result = read("get_app_status", {"app": app, "environment": environment})
    if as_json:
        print_json(result.data)
        return
    console.print(apps_table(result.data["apps"]))
    console.print(f"releases: {', '.join(result.data['releases']) or '-'}")
    for d in result.data["deployments"][-3:]:
        console.print(f"deployed {d['version']} to {d['environment']} ({d['status']}) at {d['started_at'][:19]}")


def metrics(
    app: str, metric: str, environment: str | None = ENV,
    since: str = typer.Option("1h", "--since", help="Window, e.g. 15m, 1h, 1d."), as_json: bool = JSON,
) -> None:
    """Show a metric over a recent window: request_rate, error_rate, latency_p50/p95/p99, cpu, memory."""
    env = runtime().platform.backend.state().resolve_environment(app, environment)
    result = read("query_metrics", {"app": app, "environment": env, "metric": metric, "window": since})
    if as_json:
        print_json(result.data)
        return
    values = [v for _, v in result.data["points"]]
    console.print(result.summary)
    if values:
        low, high = min(values), max(values)
        span = (high - low) or 1.0
        console.print("".join(SPARK[int((v - low) / span * (len(SPARK) - 1))] for v in values))


def deploy(
    app: str, version: str, environment: str | None = ENV,
    strategy: Strategy = typer.Option(Strategy.ROLLING, "--strategy", help="rolling or blue_green."),
) -> None:
    """Deploy a release. Shows the plan and asks for approval; never runs without it."""
    mutate("deploy_release", {"app": app, "environment": environment, "version": version,
                              "strategy": strategy.value})


def scale(app: str, replicas: int, environment: str | None = ENV) -> None:
    """Set the number of replicas. Shows the plan and asks for approval; never runs without it."""
    mutate("scale_app", {"app": app, "environment": environment, "replicas": replicas})


def rollback(
    app: str, environment: str | None = ENV,
    version: str | None = typer.Option(None, "--to", help="Release to go back to (default: previous)."),
) -> None:
    """Roll back to the previous (or a named) release. Shows the plan and asks for approval."""
    mutate("rollback_app", {"app": app, "environment": environment, "version": version})


def mutate(tool: str, args: dict[str, Any]) -> None:
    """Request a change through the guard; approve it at a terminal, or leave it pending."""
    rt = runtime()
    args["environment"] = rt.platform.backend.state().resolve_environment(args["app"], args["environment"])
    principal = rt.principal()
    result = rt.guard.call(principal, tool, args)
    if result.status != "approval_required" or result.approval is None:
        outcome(result)
        raise typer.Exit(EXIT_DENIED if result.status == "denied" else EXIT_ERROR)
    request = result.approval
    console.print(approval_card(request))
    self_approvable = principal.id in request.approvers
    if not interactive() or not self_approvable:
        who = "another approver" if not self_approvable else "an approver"
        console.print(f"Pending: {who} can approve it with `paas approve {request.id}`.")
        raise typer.Exit(EXIT_PENDING)
    approved = typer.confirm("Approve?", default=False)
    try:
        decided = rt.guard.decide(request.id, approved, principal, expected_hash=request.args_hash,
                                  reason="" if approved else "declined at the prompt")
    except PaasError as err:
        err_console.print(f"[red]error:[/] {err}")
        raise typer.Exit(EXIT_ERROR) from None
    outcome(decided)
    if decided.status != "executed":
        raise typer.Exit(EXIT_REJECTED if decided.status == "rejected" else EXIT_ERROR)
