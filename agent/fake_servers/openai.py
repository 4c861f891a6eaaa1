"""A fake OpenAI chat-completions server (``POST /v1/chat/completions``), plain and streaming.

Also serves Ollama and any OpenAI-compatible server in tests. Streaming follows the real API: a role chunk,
content deltas, tool-call deltas (id and name first, then the JSON ``arguments`` string in pieces), a
chunk with ``finish_reason``, a usage chunk with empty ``choices`` when the request set
``stream_options.include_usage``, then ``data: [DONE]``.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from agent.fake_servers.script import ScriptedError, ScriptedReply, WireResponse, chunks, dumps
from agent.fake_servers.server import FakeProviderServer

_ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 429: "rate_limit_exceeded"}


def _tool_calls(reply: ScriptedReply, number: int) -> list[dict[str, Any]]:
    return [
        {"id": f"call_{number}_{i}", "type": "function", "function": {"name": name, "arguments": dumps(args)}}
        for i, (name, args) in enumerate(reply.tool_calls)
    ]


def _usage(reply: ScriptedReply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
    }


def _finish_reason(reply: ScriptedReply) -> str:
    return "tool_calls" if reply.tool_calls else "stop"


class FakeOpenAIServer(FakeProviderServer):
    """Replays a script as the OpenAI chat-completions API; ``base_url`` ends in ``/v1``."""

    endpoint: ClassVar[str] = "/v1/chat/completions"
    provider: ClassVar[str] = "openai"

    @property
    def base_url(self) -> str:
        """What to pass as ``ChatOpenAI(base_url=...)``."""
        return f"{self.url}/v1"

    def render(self, reply: ScriptedReply, body: dict[str, Any], number: int) -> WireResponse:
        """Encode a reply as a ``chat.completion`` document or a stream of ``chat.completion.chunk``."""
        head = {
            "id": f"chatcmpl-fake-{number}",
            "created": int(time.time()),
            "model": reply.model or body.get("model", "fake-model"),
        }
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return WireResponse(events=_stream_events(reply, number, head, include_usage=include_usage))
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None, "refusal": None}
        if reply.tool_calls:
            message["tool_calls"] = _tool_calls(reply, number)
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": _finish_reason(reply)}
        document = {**head, "object": "chat.completion", "choices": [choice], "usage": _usage(reply)}
        return WireResponse.of_json(document)

    def render_error(self, error: ScriptedError) -> WireResponse:
        """Encode an error as OpenAI does: ``{"error": {"message", "type", "param", "code"}}``."""
        kind = _ERROR_TYPES.get(
            error.status, "server_error" if error.status >= 500 else "invalid_request_error"
        )
        detail = {"message": error.message, "type": kind, "param": None, "code": None}
        return WireResponse.of_json({"error": detail}, status=error.status)


def _stream_events(
    reply: ScriptedReply, number: int, head: dict[str, Any], *, include_usage: bool
) -> list[tuple[str | None, str]]:
    extra = {"usage": None} if include_usage else {}

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> tuple[str | None, str]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return None, dumps({**head, "object": "chat.completion.chunk", "choices": [choice], **extra})

    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": piece}) for piece in chunks(reply.text, 8)]
    for i, call in enumerate(_tool_calls(reply, number)):
        function = call["function"]
        start = {"index": i, "id": call["id"], "type": "function", "function": {**function, "arguments": ""}}
        events.append(chunk({"tool_calls": [start]}))
        for piece in chunks(function["arguments"], 12):
            events.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}))
    events.append(chunk({}, _finish_reason(reply)))
    if include_usage:
        usage = {**head, "object": "chat.completion.chunk", "choices": [], "usage": _usage(reply)}
        events.append((None, dumps(usage)))
    events.append((None, "[DONE]"))
    return events
