"""The script a fake provider server replays, shared by the OpenAI and Anthropic wire formats.

A script is a list of steps, one per model call. A step is a ``ScriptedReply`` (text and/or tool calls plus
token usage), a ``ScriptedError`` (an HTTP error in the provider's format), a plain string (a text reply),
or a callable that receives the JSON request body and returns one of those, for answers that depend on
what the model sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

ToolCallSpec = tuple[str, dict[str, Any]]
"""A tool call the fake model makes: (tool name, arguments)."""


@dataclass(frozen=True)
class ScriptedReply:
    """One model answer: text, tool calls or both, and the usage the provider reports for it.

    Attributes:
        text: The assistant text (may be empty when there are tool calls).
        tool_calls: (name, args) pairs; ids are made up by the server (``call_<step>_<i>`` for OpenAI,
            ``toolu_<step>_<i>`` for Anthropic, step and i counting from 1 and 0).
        input_tokens: Prompt tokens to report.
        output_tokens: Completion tokens to report.
        model: Model name to report; None echoes the model named in the request.
    """

    text: str = ""
    tool_calls: Sequence[ToolCallSpec] = field(default_factory=tuple)
    input_tokens: int = 10
    output_tokens: int = 5
    model: str | None = None


@dataclass(frozen=True)
class ScriptedError:
    """An HTTP error the provider answers with instead of a reply (401, 429, 500...).

    The SDKs retry 408, 409, 429 and 5xx up to ``max_retries`` times, and each retry uses the next step.
    """

    status: int
    message: str = "scripted error"


Outcome = ScriptedReply | ScriptedError | str
Step = Outcome | Callable[[dict[str, Any]], Outcome]


@dataclass(frozen=True)
class RecordedRequest:
    """A request the fake server received."""

    path: str
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any]


@dataclass
class WireResponse:
    """What the server sends back: a JSON document or a stream of server-sent events."""

    status: int = 200
    json_body: dict[str, Any] | None = None
    events: list[tuple[str | None, str]] = field(default_factory=list)  # (event name, data)

    @classmethod
    def of_json(cls, document: dict[str, Any], status: int = 200) -> WireResponse:
        """Make a JSON response."""
        return cls(status=status, json_body=document)


def resolve(step: Step, body: dict[str, Any]) -> ScriptedReply | ScriptedError:
    """Turn a script step into the reply (or error) for this request.

    Args:
        step: The script step.
        body: The JSON request body, passed to callable steps.

    Returns:
        The reply or error to send.
    """
    outcome = step(body) if callable(step) else step
    return ScriptedReply(text=outcome) if isinstance(outcome, str) else outcome


def chunks(text: str, size: int) -> Iterator[str]:
    """Split text into pieces of ``size`` characters, so streamed deltas have to be joined by the client.

    Args:
        text: The text.
        size: Characters per piece.

    Yields:
        The pieces in order (nothing for empty text).
    """
    for start in range(0, len(text), size):
        yield text[start : start + size]


def dumps(document: Any) -> str:
    """Serialise JSON compactly, the way the providers do."""
    return json.dumps(document, separators=(",", ":"))
