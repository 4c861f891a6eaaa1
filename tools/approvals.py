"""Approval requests, kept server-side as events in streams ``approval:<id>``.

Stream versions: 1 ApprovalRequested; 2 ApprovalDecided or ApprovalExpired; 3 ToolExecuted or ToolFailed.
Appending version 2 with optimistic concurrency is what makes a decision happen exactly once, however many
clicks or processes race for it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from paas.errors import NotFoundError, ValidationError
from paas.store import Event, EventStore
from paas.store.events import canonical_json

APPROVAL_REQUESTED = "ApprovalRequested"
APPROVAL_DECIDED = "ApprovalDecided"
APPROVAL_EXPIRED = "ApprovalExpired"
TOOL_EXECUTED = "ToolExecuted"
TOOL_FAILED = "ToolFailed"

ID_PATTERN = re.compile(r"^apr_[0-9a-f]{12}$")

Status = Literal["pending", "approved", "rejected", "expired", "executed", "failed"]


def new_approval_id() -> str:
    return "apr_" + secrets.token_hex(6)


def approval_stream(request_id: str) -> str:
    return f"approval:{request_id}"


def args_hash(tool: str, args: dict[str, Any]) -> str:
    """The hash an approval is bound to: tool name plus normalised arguments."""
    return hashlib.sha256(canonical_json({"tool": tool, "args": args}).encode()).hexdigest()


class ApprovalRequest(BaseModel):
    """A held mutating call, as every front end renders it."""

    model_config = ConfigDict(frozen=True)

    id: str
    tool: str
    args: dict[str, Any]
    args_hash: str
    requester: str
    via: str
    environment: str
    summary: str
    diff: list[str] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)
    risk: str = "mutate"
    two_person: bool = False
    approvers: list[str] = Field(default_factory=list)
    created_at: datetime
    expires_at: datetime
    status: Status = "pending"
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str = ""
    result: str = ""
    conversation: str | None = None

    def is_expired(self, now: datetime) -> bool:
        return self.status == "pending" and now >= self.expires_at

    def status_at(self, now: datetime) -> Status:
        return "expired" if self.is_expired(now) else self.status


def check_id(request_id: str) -> str:
    if not ID_PATTERN.match(request_id or ""):
        raise ValidationError(f"'{request_id}' is not an approval id (they look like apr_0123456789ab)")
    return request_id


def fold(events: list[Event]) -> ApprovalRequest:
    """Rebuild a request's current status from its stream."""
    request = ApprovalRequest.model_validate(events[0].data)
    for ev in events[1:]:
        if ev.type == APPROVAL_DECIDED:
            status = "approved" if ev.data["decision"] == "approve" else "rejected"
            request = request.model_copy(update={
                "status": status, "decided_by": ev.actor, "decided_at": ev.recorded_at,
                "reason": ev.data.get("reason", ""),
            })
        elif ev.type == APPROVAL_EXPIRED:
            request = request.model_copy(update={"status": "expired"})
        elif ev.type in (TOOL_EXECUTED, TOOL_FAILED):
            status = "executed" if ev.type == TOOL_EXECUTED else "failed"
            request = request.model_copy(update={"status": status, "result": ev.data.get("summary", "")})
    return request


class ApprovalBook:
    """Read access to approval requests."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def get(self, request_id: str) -> ApprovalRequest:
        return fold(self.events(request_id))

    def events(self, request_id: str) -> list[Event]:
        events = self.store.read_stream(approval_stream(check_id(request_id)))
        if not events:
            raise NotFoundError(f"no approval request {request_id}: `paas approvals` lists them")
        return events

    def all(self) -> list[ApprovalRequest]:
        grouped: dict[str, list[Event]] = {}
        for ev in self.store.read_all(stream_prefix="approval:"):
            grouped.setdefault(ev.stream, []).append(ev)
        requests = [fold(evs) for evs in grouped.values() if evs[0].type == APPROVAL_REQUESTED]
        return sorted(requests, key=lambda r: r.created_at)

    def pending(self, now: datetime) -> list[ApprovalRequest]:
        return [r for r in self.all() if r.status_at(now) == "pending"]
