"""A fake Anthropic messages server (``POST /v1/messages``), plain and streaming.

Streaming sends the real event sequence: ``message_start``, ``ping``, then per content block
``content_block_start`` / ``content_block_delta`` (``text_delta`` or ``input_json_delta``) /
``content_block_stop``, then ``message_delta`` carrying ``stop_reason`` and the usage, and ``message_stop``.
The usage in ``message_delta`` includes ``input_tokens``: langchain-anthropic reads streamed usage only from
that event.
"""

from __future__ import annotations

from typing import Any, ClassVar

from agent.fake_servers.script import ScriptedError, ScriptedReply, WireResponse, chunks, dumps
from agent.fake_servers.server import FakeProviderServer

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}

Event = tuple[str | None, str]


def _blocks(reply: ScriptedReply, number: int) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
    blocks += [
        {"type": "tool_use", "id": f"toolu_{number}_{i}", "name": name, "input": args}
        for i, (name, args) in enumerate(reply.tool_calls)
    ]
    return blocks


def _usage(reply: ScriptedReply) -> dict[str, int]:
    return {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens}


def _stop_reason(reply: ScriptedReply) -> str:
    return "tool_use" if reply.tool_calls else "end_turn"


class FakeAnthropicServer(FakeProviderServer):
    """Replays a script as the Anthropic messages API; ``base_url`` has no ``/v1``."""

    endpoint: ClassVar[str] = "/v1/messages"
    provider: ClassVar[str] = "anthropic"

    def render(self, reply: ScriptedReply, body: dict[str, Any], number: int) -> WireResponse:
        """Encode a reply as a ``message`` document or as a stream of message events."""
        head = {
            "id": f"msg_fake_{number}",
            "type": "message",
            "role": "assistant",
            "model": reply.model or body.get("model", "fake-model"),
        }
        if body.get("stream"):
            return WireResponse(events=_stream_events(reply, number, head))
        document = {
            **head,
            "content": _blocks(reply, number),
            "stop_reason": _stop_reason(reply),
            "stop_sequence": None,
            "usage": _usage(reply),
        }
        return WireResponse.of_json(document)

    def render_error(self, error: ScriptedError) -> WireResponse:
        """Encode an error as Anthropic does: ``{"type": "error", "error": {"type", "message"}}``."""
        kind = _ERROR_TYPES.get(error.status, "api_error")
        return WireResponse.of_json(
            {"type": "error", "error": {"type": kind, "message": error.message}}, status=error.status
        )


def _event(name: str, data: dict[str, Any]) -> Event:
    return name, dumps({"type": name, **data})


def _block_events(index: int, block: dict[str, Any]) -> list[Event]:
    start: dict[str, Any]
    if block["type"] == "text":
        start = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": piece} for piece in chunks(block["text"], 8)]
    else:
        start = {**block, "input": {}}
        deltas = [
            {"type": "input_json_delta", "partial_json": piece} for piece in chunks(dumps(block["input"]), 12)
        ]
    return [
        _event("content_block_start", {"index": index, "content_block": start}),
        *(_event("content_block_delta", {"index": index, "delta": delta}) for delta in deltas),
        _event("content_block_stop", {"index": index}),
    ]


def _stream_events(reply: ScriptedReply, number: int, head: dict[str, Any]) -> list[Event]:
    opening = {
        **head,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": reply.input_tokens, "output_tokens": 1},
    }
    events = [_event("message_start", {"message": opening}), _event("ping", {})]
    for index, block in enumerate(_blocks(reply, number)):
        events += _block_events(index, block)
    delta = {"stop_reason": _stop_reason(reply), "stop_sequence": None}
    events.append(_event("message_delta", {"delta": delta, "usage": _usage(reply)}))
    events.append(_event("message_stop", {}))
    return events
