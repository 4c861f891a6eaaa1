"""Read a conversation (LangChain messages) into turns: what the user said, what was called, what came back.

The planner keeps no state between calls: everything it needs is derived here from the messages, so a
conversation persisted and resumed after a restart is planned exactly as before. Tool output is parsed as
data only; nothing in it is ever read as a request.

A decision made later by a human arrives as the result of a ``get_approval`` call for the request id (the
agent runtime appends it); a decided outcome (executed, rejected, failed) counts as the result of the call
that asked for that approval, so the plan goes on (or stops) from there.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

PENDING = "approval_required"
DONE = frozenset({"ok", "executed"})
STOPS = frozenset({"rejected", "error", "denied"})
DECIDED = frozenset({"executed", "rejected", "failed"})
OUTCOME_TOOL = "get_approval"


@dataclass(frozen=True)
class Call:
    id: str
    name: str
    args: dict[str, Any]


@dataclass
class Turn:
    """One user message and everything the assistant and the tools added after it."""

    text: str
    calls: list[Call] = field(default_factory=list)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # call id -> latest result
    replies: list[str] = field(default_factory=list)  # assistant texts, in order
    last_is_tool: bool = False
    outcomes: dict[str, str] = field(default_factory=dict)  # get_approval call id -> the call it decided

    def answers(self, tool_call_id: str) -> bool:
        """Is this tool result about one of this turn's calls (directly or as a decided approval)?"""
        return tool_call_id in self.outcomes or any(c.id == tool_call_id for c in self.calls)

    @property
    def asked(self) -> bool:
        """Did the assistant end this turn with a question (and no tool call after it)?"""
        return bool(self.replies) and not self.last_is_tool and self.replies[-1].rstrip().endswith("?")

    def status(self, call: Call) -> str | None:
        result = self.results.get(call.id)
        return None if result is None else str(result.get("status", "ok"))

    def done(self) -> int:
        """How many of this turn's calls have finished (ok or executed), counted from the first."""
        count = 0
        for call in self.calls:
            if self.status(call) not in DONE:
                break
            count += 1
        return count


def read_turns(messages: Sequence[BaseMessage]) -> list[Turn]:
    """Turns in order; tool results for a call made in an earlier turn update that turn's call."""
    reader = _Reader()
    for message in messages:
        reader.add(message)
    return reader.turns


class _Reader:
    """Folds messages into turns, linking decided approvals back to the calls that asked for them."""

    def __init__(self) -> None:
        self.turns: list[Turn] = []
        self.owners: dict[str, Turn] = {}  # call id -> the turn that made the call
        self.requests: dict[str, tuple[Turn, str]] = {}  # approval id -> (turn, call id) that asked for it
        self.lookups: dict[str, tuple[Call, str]] = {}  # get_approval call id -> (call, approval id)

    def add(self, message: BaseMessage) -> None:
        if isinstance(message, HumanMessage):
            self.turns.append(Turn(text=text_of(message)))
        elif not self.turns:
            return
        elif isinstance(message, AIMessage):
            self._add_ai(self.turns[-1], message)
        elif isinstance(message, ToolMessage):
            self._add_tool(message)

    def _add_ai(self, turn: Turn, message: AIMessage) -> None:
        for tool_call in message.tool_calls:
            call = Call(str(tool_call.get("id") or ""), tool_call["name"], dict(tool_call.get("args") or {}))
            request_id = str(call.args.get("request_id", ""))
            if call.name == OUTCOME_TOOL and request_id in self.requests:
                self.lookups[call.id] = (call, request_id)  # a decision, or a plain look-up: the result tells
                continue
            turn.calls.append(call)
            self.owners[call.id] = turn
        text = text_of(message)
        if text:
            turn.replies.append(text)
        turn.last_is_tool = False

    def _add_tool(self, message: ToolMessage) -> None:
        result = parse_result(message)
        call_id = message.tool_call_id
        if call_id in self.lookups:
            call, request_id = self.lookups.pop(call_id)
            owner, asked_by = self.requests[request_id]
            if result["status"] in DECIDED:
                owner.results[asked_by] = {**result, "request_id": request_id}
                owner.outcomes[call_id] = asked_by
                self._mark_last()
                return
            self.turns[-1].calls.append(call)
            self.owners[call_id] = self.turns[-1]
        owner = self.owners.get(call_id, self.turns[-1])
        owner.results[call_id] = result
        approval = result.get("approval")
        if result["status"] == PENDING and isinstance(approval, dict) and approval.get("id"):
            self.requests[str(approval["id"])] = (owner, call_id)
        self._mark_last()

    def _mark_last(self) -> None:
        for turn in self.turns:
            turn.last_is_tool = turn is self.turns[-1]


def parse_result(message: ToolMessage) -> dict[str, Any]:
    """A tool result as data: the JSON object the tool returned, or its text as an error/ok message."""
    content = text_of(message)
    try:
        data = json.loads(content)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        status = "error" if getattr(message, "status", "success") == "error" else "ok"
        data = {"status": status, "summary" if status == "ok" else "message": content}
    data.setdefault("tool", message.name or "")
    data.setdefault("status", "ok")
    return data


def text_of(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content.strip()
    parts = [p if isinstance(p, str) else str(p.get("text", "")) for p in content if isinstance(p, str | dict)]
    return " ".join(p for p in parts if p).strip()
