"""What a guarded tool call or decision returns to a front end or to the model."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from tools.approvals import ApprovalRequest

OutcomeStatus = Literal["ok", "approval_required", "executed", "failed", "rejected", "error", "denied"]


@dataclass(frozen=True)
class ToolOutcome:
    status: OutcomeStatus
    tool: str
    summary: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    approval: ApprovalRequest | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "executed")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "tool": self.tool}
        if self.status in ("error", "denied", "failed"):
            out["message"] = self.summary
        else:
            out["summary"] = self.summary
        if self.data:
            out["data"] = self.data
        if self.approval is not None:
            a = self.approval
            out["approval"] = {
                "id": a.id, "plan": a.summary, "diff": a.diff, "expires_at": a.expires_at.isoformat(),
                "approvers": ", ".join(a.approvers) or "nobody is configured to approve this",
                "two_person": a.two_person, "args_hash": a.args_hash,
            }
        return out

    def to_json(self) -> str:
        """The form the model sees as a tool result: data only, never instructions."""
        return json.dumps(self.to_dict(), default=str)
