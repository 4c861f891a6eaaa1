"""Tools over the guard's own records: pending approvals and the audit log (read-only)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from paas.errors import PermissionDeniedError
from tools.approvals import ApprovalBook
from tools.registry import ToolContext, ToolOutput
from tools.toolset import registry


@registry.tool(risk="read", permission="read")
def list_approvals(ctx: ToolContext, status: Literal["pending", "all"] = "pending") -> ToolOutput:
    """List approval requests: what change, who asked, who may approve, and until when.

    Args:
        status: pending (default) for requests waiting for a decision, or all.
    """
    book = ApprovalBook(ctx.store)
    requests = book.pending(ctx.now) if status == "pending" else book.all()
    rows = [
        {"id": r.id, "status": r.status_at(ctx.now), "plan": r.summary, "requester": r.requester,
         "approvers": r.approvers, "expires_at": r.expires_at.isoformat()}
        for r in requests
        if ctx.principal.can("read", r.environment)
    ]
    if not rows:
        return ToolOutput(f"no {'pending ' if status == 'pending' else ''}approval requests", {"approvals": []})
    summary = "; ".join(f"{r['id']} {r['status']}: {r['plan']} (asked by {r['requester']})" for r in rows)
    return ToolOutput(summary, {"approvals": rows})


@registry.tool(risk="read", permission="read")
def get_audit_log(
    ctx: ToolContext, limit: Annotated[int, Field(ge=1, le=500)] = 20, app: str | None = None
) -> ToolOutput:
    """Show the most recent audit events: requests, approvals, denials, executions and changes.

    Args:
        limit: How many events, newest first (1-500).
        app: Only events about this application.
    """
    events = []
    for ev in ctx.store.read_all(newest_first=True):
        if app and ev.data.get("app") != app and ev.data.get("args", {}).get("app") != app:
            continue
        events.append({"position": ev.position, "time": ev.recorded_at.isoformat(), "type": ev.type,
                       "actor": ev.actor, "stream": ev.stream, "data": ev.data})
        if len(events) >= limit:
            break
    summary = f"{len(events)} most recent audit event(s)" + (f" about {app}" if app else "")
    return ToolOutput(summary, {"events": events})


@registry.tool(risk="read", permission="read")
def get_approval(ctx: ToolContext, request_id: Annotated[str, Field(pattern=r"^apr_[0-9a-f]{12}$")]) -> ToolOutput:
    """Show one approval request: the planned change, its status (pending, approved, rejected, expired,
    executed, failed), who decided it and the result.

    Args:
        request_id: The approval id, such as apr_0123456789ab.
    """
    request = ApprovalBook(ctx.store).get(request_id)
    if not ctx.principal.can("read", request.environment):
        raise PermissionDeniedError(f"{ctx.principal.id} may not read requests in {request.environment}")
    status = request.status_at(ctx.now)
    by = f" by {request.decided_by}" if request.decided_by else ""
    result = f": {request.result}" if request.result else ""
    summary = f"{request.id} ({request.summary}) is {status}{by}{result}"
    data = {"id": request.id, "tool": request.tool, "args": request.args, "status": status,
            "decided_by": request.decided_by, "result": request.result}
    return ToolOutput(summary, data)
