"""Rich rendering of apps, outcomes, approval cards and audit events for the terminal."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from tools.approvals import ApprovalRequest
from tools.outcome import ToolOutcome

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

HEALTH_STYLE = {"healthy": "green", "degraded": "yellow", "down": "red", "stopped": "dim", "unknown": "dim"}


def print_json(value: Any) -> None:
    console.print_json(json.dumps(value, default=str))


def apps_table(rows: list[dict[str, Any]]) -> Table:
    table = Table("app", "env", "version", "replicas", "health", "url", box=None, pad_edge=False)
    for r in rows:
        ready = r["replicas"] if r.get("ready_replicas") is None else f"{r['ready_replicas']}/{r['replicas']}"
        health = r["health"]
        table.add_row(r["app"], r["environment"], r["version"] or "-", str(ready),
                      f"[{HEALTH_STYLE.get(health, 'white')}]{health}[/]", r.get("url") or "-")
    return table


def approval_card(request: ApprovalRequest, now: datetime | None = None) -> Panel:
    lines = [f"[bold]{request.summary}[/]"]
    lines += [f"  {d}" for d in request.diff]
    lines += [f"  step: {s}" for s in request.steps]
    rule = " (two-person rule: not the requester)" if request.two_person else ""
    approvers = ", ".join(request.approvers) or "nobody is configured to approve this"
    lines += [
        f"tool {request.tool} · risk {request.risk} · requested by {request.requester} via {request.via}",
        f"may approve: {approvers}{rule}",
        f"expires {request.expires_at:%Y-%m-%d %H:%M} UTC · args sha256 {request.args_hash[:12]}",
    ]
    status = request.status_at(now) if now else request.status
    title = f"Approval {request.id} · {status}"
    return Panel("\n".join(lines), title=title, title_align="left", border_style="yellow", expand=False)


def approvals_table(requests: list[ApprovalRequest], now: datetime) -> Table:
    table = Table("id", "status", "plan", "requested by", "expires (UTC)", box=None, pad_edge=False)
    for r in requests:
        table.add_row(r.id, r.status_at(now), r.summary, r.requester, f"{r.expires_at:%m-%d %H:%M}")
    return table


def outcome(result: ToolOutcome) -> None:
    style = {"executed": "green", "ok": "green", "rejected": "yellow"}.get(result.status, "red")
    console.print(f"[{style}]{result.status}[/]: {result.summary}")


def audit_table(events: list[dict[str, Any]]) -> Table:
    table = Table("#", "time (UTC)", "type", "actor", "details", box=None, pad_edge=False)
    for ev in events:
        table.add_row(str(ev["position"]), ev["time"][:19].replace("T", " "), ev["type"], ev["actor"],
                      _details(ev["type"], ev["data"]))
    return table


def _details(kind: str, data: dict[str, Any]) -> str:
    if "tool" in data and "args" in data:
        args = " ".join(f"{k}={v}" for k, v in data["args"].items() if v is not None)
        note = f": {data['message']}" if data.get("message") and kind != "ToolCalled" else ""
        return f"{data['tool']} {args}{note}"[:90]
    for key in ("summary", "message"):
        if data.get(key):
            return str(data[key])[:90]
    if "decision" in data:
        return data["decision"]
    parts = [f"{k}={v}" for k, v in data.items() if k in ("app", "environment", "version", "replicas", "tool")]
    return " ".join(parts)[:90]
