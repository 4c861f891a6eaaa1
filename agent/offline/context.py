"""Read a conversation (LangChain messages) into turns: what the user said, what was called, what came back.

The planner keeps no state between calls: everything it needs is derived here from the messages, so a
conversation persisted and resumed after a restart is planned exactly as before. Tool output is parsed as
data only; nothing in it is ever read as a request.
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
    turns: list[Turn] = []
    owners: dict[str, Turn] = {}
    for message in messages:
        if isinstance(message, HumanMessage):
            turns.append(Turn(text=text_of(message)))
        elif not turns:
            continue
        elif isinstance(message, AIMessage):
            _add_ai(turns[-1], message, owners)
        elif isinstance(message, ToolMessage):
            owner = owners.get(message.tool_call_id, turns[-1])
            owner.results[message.tool_call_id] = parse_result(message)
            for turn in turns:
                turn.last_is_tool = turn is turns[-1]
    return turns


def _add_ai(turn: Turn, message: AIMessage, owners: dict[str, Turn]) -> None:
    for tool_call in message.tool_calls:
        call = Call(str(tool_call.get("id") or ""), tool_call["name"], dict(tool_call.get("args") or {}))
        turn.calls.append(call)
        owners[call.id] = turn
    text = text_of(message)
    if text:
        turn.replies.append(text)
    turn.last_is_tool = False


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
