"""Readable answers: tool results, approval notices and the planner's own short replies.

Tool results are rendered from their fields; their text is shown, never acted on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from agent.offline.resolve import options
from paas.metrics import METRICS

MAX_ITEMS = 8


def render_result(result: dict[str, Any], args: dict[str, Any] | None = None) -> str:
    """One or two sentences about one tool result."""
    status = str(result.get("status", "ok"))
    tool = str(result.get("tool", ""))
    summary = _clean(result.get("summary") or result.get("message") or "")
    if status == "approval_required":
        return approval_notice(result)
    if status == "executed":
        return f"Done: {summary}." if summary else f"Done: {tool} finished."
    if status == "rejected":
        return f"The request was rejected ({summary or 'no reason given'}). I won't retry it."
    if status in ("error", "denied"):
        verb = "was not allowed to run" if status == "denied" else "failed"
        return f"{tool or 'The tool'} {verb}: {summary or 'no details'}."
    renderer = RENDERERS.get(tool)
    text = renderer(result.get("data"), args or {}) if renderer else None
    return text or (f"{summary}." if summary else f"{tool} returned no summary.")


def approval_notice(result: dict[str, Any]) -> str:
    approval = result.get("approval") or {}
    plan = _clean(approval.get("plan") or result.get("summary") or "the change")
    parts = [f"This change is waiting for approval: {plan}.", f"Approval id: {approval.get('id', 'unknown')}."]
    if approval.get("approvers"):
        parts.append(f"Approvers: {_clean(approval['approvers'])}.")
    if approval.get("expires_at"):
        parts.append(f"It expires at {approval['expires_at']}.")
    parts.append("Nothing changes until an authorised person approves it on the approval card.")
    return " ".join(parts)


def _clean(value: object) -> str:
    if isinstance(value, dict):
        value = value.get("summary") or value.get("text") or ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    return str(value).strip().rstrip(".")


# renderers by tool --------------------------------------------------------------------------------------------


def _records(data: Any, keys: Iterable[str]) -> list[dict[str, Any]]:
    """Every dict in ``data`` (searched one level into lists and dict values) that has all ``keys``."""
    wanted = set(keys)
    if isinstance(data, dict) and wanted <= data.keys():
        return [data]
    items = data if isinstance(data, list) else list(data.values()) if isinstance(data, dict) else []
    found: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, dict) and wanted <= item.keys():
            found.append(item)
        elif isinstance(item, list):
            found.extend(i for i in item if isinstance(i, dict) and wanted <= i.keys())
    return found


def _empty(data: Any) -> bool:
    """An empty list, or a dict whose only list values are empty."""
    if isinstance(data, list):
        return not data
    lists = [v for v in data.values() if isinstance(v, list)] if isinstance(data, dict) else []
    return bool(lists) and not any(lists)


def _app_sentence(record: dict[str, Any]) -> str:
    version = record.get("version") or "nothing"
    ready = record.get("ready_replicas")
    count = f"{ready}/{record['replicas']}" if ready is not None else str(record["replicas"])
    health = record.get("health")
    tail = f"; {health}" if health else ""
    return f"{record['app']} in {record['environment']} runs {version} with {count} replicas ready{tail}."


def render_status(data: Any, args: dict[str, Any]) -> str | None:
    records = _records(data, ("app", "environment", "replicas"))
    return " ".join(_app_sentence(r) for r in records[:MAX_ITEMS]) or None


def render_apps(data: Any, args: dict[str, Any]) -> str | None:
    records = _records(data, ("app", "environment"))
    if not records and _empty(data):
        return "There are no apps" + (f" in {args['environment']}." if args.get("environment") else " yet.")
    if not records:
        return None
    items = [f"{r['app']}/{r['environment']} ({r.get('version') or 'no version'}, {r.get('replicas', '?')} "
             f"replicas)" for r in records[:MAX_ITEMS]]
    more = f" and {len(records) - MAX_ITEMS} more" if len(records) > MAX_ITEMS else ""
    counts = [r["replicas"] for r in records if isinstance(r.get("replicas"), int)]
    total = f", {sum(counts)} replicas in total" if len(counts) > 1 else ""
    return f"{len(records)} app deployment(s){total}: {', '.join(items)}{more}."


def _number(value: Any, unit: str) -> str:
    if not isinstance(value, int | float):
        return "n/a"
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}".strip()


def render_metrics(data: Any, args: dict[str, Any]) -> str | None:
    if not isinstance(data, dict):
        return None
    stats: dict[str, Any] = next((data[k] for k in ("stats", "summary") if isinstance(data.get(k), dict)), data)
    if not any(k in stats for k in ("last", "max", "mean")):
        return None
    metric = data.get("metric") or args.get("metric", "metric")
    unit = data.get("unit") or METRICS.get(metric, ("", ""))[0]
    where = f"{data.get('app') or args.get('app')}/{data.get('environment') or args.get('environment')}"
    window = data.get("window") if isinstance(data.get("window"), str) else args.get("window", "1h")
    values = ", ".join(f"{k} {_number(stats.get(k), unit)}" for k in ("last", "max", "mean") if k in stats)
    if all(stats.get(k) is None for k in ("last", "max", "mean")):
        return f"No {metric} data for {where} over the last {window}."
    return f"{metric} for {where} over the last {window}: {values}."


def render_approvals(data: Any, args: dict[str, Any]) -> str | None:
    records = _records(data, ("id",))
    if not records:
        return "There are no approval requests." if _empty(data) else None
    items = [f"{r['id']} ({_clean(r.get('summary') or r.get('plan') or r.get('tool', ''))}"
             f"{', ' + str(r['status']) if r.get('status') else ''}{_approvers(r)})" for r in records[:MAX_ITEMS]]
    return f"{len(records)} approval request(s): {'; '.join(items)}."


def _approvers(record: dict[str, Any]) -> str:
    """Who may still decide a pending request."""
    if record.get("status") != "pending" or not record.get("approvers"):
        return ""
    return f", approvers: {_clean(record['approvers'])}"


def render_audit(data: Any, args: dict[str, Any]) -> str | None:
    records = _records(data, ("type",)) or _records(data, ("action",))
    if not records:
        return "The audit log has no matching entries." if _empty(data) else None
    items = [_audit_item(r) for r in records[:MAX_ITEMS]]
    return f"Last {len(items)} audit entries: {'; '.join(items)}."


def _audit_item(record: dict[str, Any]) -> str:
    what = record.get("type") or record.get("action")
    who = record.get("actor") or record.get("principal")
    about = record.get("summary") or record.get("stream") or ""
    return " ".join(str(p) for p in (record.get("recorded_at", ""), who, what, about) if p).strip()


RENDERERS: dict[str, Callable[[Any, dict[str, Any]], str | None]] = {
    "get_app_status": render_status,
    "list_apps": render_apps,
    "query_metrics": render_metrics,
    "list_approvals": render_approvals,
    "get_audit_log": render_audit,
}


# the planner's own replies -------------------------------------------------------------------------------------


def capabilities(descriptions: list[str]) -> str:
    return f"I can {options(descriptions, 'and')}." if descriptions else "I have no tools available right now."


def cancel_reply(pending: bool) -> str:
    if not pending:
        return "OK, I won't do anything."
    return ("I can't withdraw a request once it is made: it stays pending until an approver rejects it or it "
            "expires, and nothing changes unless someone approves it. Ask an approver to reject it on the "
            "approval card if it should not go ahead.")


def bypass_reply(pending: bool) -> str:
    hint = " The change you asked for is waiting on its approval card." if pending else ""
    return ("I can't approve, skip or bypass approvals, and no message can: every change waits until an "
            f"authorised person approves it on the approval card.{hint} You can ask me to list pending approvals.")
