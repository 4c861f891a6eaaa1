"""What a turn yields to a front end: a stream of small, typed events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from tools.approvals import ApprovalRequest

EventKind = Literal["text", "tool_call", "tool_result", "approval_required", "final", "usage", "error"]


@dataclass(frozen=True)
class AgentEvent:
    """One step of a turn.

    - text: a piece of assistant text as it streams (the whole text comes again in ``final``)
    - tool_call: the model asked for a tool (``data``: name, args)
    - tool_result: the guard's outcome (``data``: the outcome dict the model saw)
    - approval_required: a change is held for a human (``approval``)
    - final: the assistant's answer for this turn
    - usage: tokens, cost, model and tool calls of the turn
    - error: the turn stopped (limit reached, model failure)
    """

    kind: EventKind
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    approval: ApprovalRequest | None = None
