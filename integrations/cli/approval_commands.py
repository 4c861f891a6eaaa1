"""`paas approvals|approve|reject` and `paas audit [verify]`."""

from __future__ import annotations

import typer
from rich.table import Table

from integrations.cli.context import EXIT_ERROR, EXIT_REJECTED, runtime
from integrations.cli.platform_commands import JSON, read
from integrations.cli.render import approval_card, audit_table, console, err_console, outcome, print_json

audit_app = typer.Typer(help="Show the audit log, or verify its hash chain.", invoke_without_command=True)


def register(app: typer.Typer) -> None:
    app.command("approvals")(approvals)
    app.command("approve")(approve)
    app.command("reject")(reject)
    app.add_typer(audit_app, name="audit")


def approvals(
    show_all: bool = typer.Option(False, "--all", help="Include decided and expired requests."), as_json: bool = JSON
) -> None:
    """List approval requests (pending ones by default)."""
    result = read("list_approvals", {"status": "all" if show_all else "pending"})
    rows = result.data["approvals"]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(result.summary)
        return
    table = Table("id", "status", "plan", "requested by", "may approve", "expires", box=None, pad_edge=False)
    for r in rows:
        table.add_row(r["id"], r["status"], r["plan"], r["requester"], ", ".join(r["approvers"]) or "-",
                      r["expires_at"][:16].replace("T", " "))
    console.print(table)


def approve(request_id: str) -> None:
    """Approve a pending request: it executes once, with exactly the arguments shown."""
    _decide(request_id, approve=True, reason="")


def reject(request_id: str, reason: str = typer.Option("", "--reason", help="Why (shown to the requester).")) -> None:
    """Reject a pending request: nothing changes and the agent will not retry it."""
    _decide(request_id, approve=False, reason=reason)


def _decide(request_id: str, approve: bool, reason: str) -> None:
    rt = runtime()
    request = rt.guard.approvals.get(request_id)
    console.print(approval_card(request, rt.guard.clock()))
    result = rt.guard.decide(request_id, approve, rt.principal(), expected_hash=request.args_hash, reason=reason)
    outcome(result)
    if result.status not in ("executed", "rejected"):
        raise typer.Exit(EXIT_ERROR)
    if result.status == "rejected" and approve:
        raise typer.Exit(EXIT_REJECTED)


@audit_app.callback()
def audit(
    ctx: typer.Context,
    limit: int = typer.Option(20, "--limit", "-n", help="How many events, newest first."),
    app: str | None = typer.Option(None, "--app", help="Only events about this app."),
    as_json: bool = JSON,
) -> None:
    """Show the most recent audit events (requests, approvals, denials, executions, changes)."""
    if ctx.invoked_subcommand is not None:
        return
    result = read("get_audit_log", {"limit": limit, "app": app})
    events = result.data["events"]
    if as_json:
        print_json(events)
    else:
        console.print(audit_table(events))


@audit_app.command("verify")
def verify() -> None:
    """Recompute the audit hash chain; exit non-zero if any event was modified or deleted."""
    report = runtime().store.verify()
    if report.ok:
        console.print(f"[green]ok[/]: {report.events} events, hash chain intact")
        return
    for problem in report.problems:
        err_console.print(f"[red]broken:[/] {problem}")
    err_console.print(f"[red]the audit log of {report.events} events does not verify[/]")
    raise typer.Exit(EXIT_ERROR)
