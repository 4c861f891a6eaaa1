"""Test doubles for the agent, shipped in the package so every test suite can use them.

- ``ScriptedChatModel``: a chat model that replays scripted replies, with tools, usage and ids filled in;
  no server, no network.
- ``FakeOpenAIServer`` / ``FakeAnthropicServer``: local HTTP servers speaking each provider's wire format,
  to test the real ``ChatOpenAI`` / ``ChatAnthropic`` code paths (see ``agent.fake_servers``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field, PrivateAttr

from agent.fake_servers import (
    FakeAnthropicServer,
    FakeOpenAIServer,
    RecordedRequest,
    ScriptedError,
    ScriptedReply,
    Step,
    ToolCallSpec,
)
from paas.errors import ModelError

__all__ = [
    "FakeAnthropicServer",
    "FakeOpenAIServer",
    "RecordedRequest",
    "ScriptedChatModel",
    "ScriptedError",
    "ScriptedReply",
    "Step",
    "ToolCallSpec",
    "tool_call_reply",
]

Reply = AIMessage | str | Callable[[list[BaseMessage]], AIMessage | str]
"""A scripted reply: a message, a text, or a function of the messages the model received."""


def tool_call_reply(*calls: ToolCallSpec, text: str = "") -> AIMessage:
    """Build an assistant message that calls tools (ids are filled in by ``ScriptedChatModel``).

    Args:
        *calls: (tool name, arguments) pairs.
        text: Optional text alongside the calls.

    Returns:
        The message.
    """
    return AIMessage(
        content=text, tool_calls=[{"name": name, "args": args, "id": ""} for name, args in calls]
    )


def _count_tokens(text: str) -> int:
    return len(text.split())


def _text_of(message: BaseMessage) -> str:
    calls = [json.dumps(call) for call in getattr(message, "tool_calls", [])]
    content = message.content if isinstance(message.content, str) else json.dumps(message.content)
    return " ".join([content, *calls])


class ScriptedChatModel(BaseChatModel):
    """A chat model that replays ``replies`` in order, one per call.

    Each reply gets ``response_metadata["model_name"]`` (so LangChain's usage callbacks count it), a
    ``usage_metadata`` (word counts when the scripted message has none) and a non-empty id on every tool
    call. ``calls`` records the messages of each call and ``tools`` the tool specs last bound.

    Example:
        ``ScriptedChatModel(replies=[tool_call_reply(("scale_app", {"replicas": 3})), "Done."])``
    """

    replies: list[Any] = Field(default_factory=list)  # each a ``Reply``; Any keeps pydantic from coercing
    model_name: str = "scripted"
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    tools: list[dict[str, Any]] = Field(default_factory=list)
    _position: int = PrivateAttr(default=0)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def remaining(self) -> int:
        """Replies not yet used."""
        return len(self.replies) - self._position

    def bind_tools(
        self, tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool], **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools the way provider models do: as OpenAI tool specs passed to every call."""
        return self.bind(tools=[convert_to_openai_tool(tool) for tool in tools], **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.calls.append(list(messages))
        self.tools = list(kwargs.get("tools") or [])
        if self._position >= len(self.replies):
            raise ModelError(f"ScriptedChatModel has no reply left: all {len(self.replies)} were used")
        reply = self.replies[self._position]
        self._position += 1
        produced = reply(messages) if callable(reply) else reply
        message = AIMessage(content=produced) if isinstance(produced, str) else produced
        return ChatResult(generations=[ChatGeneration(message=self._finish(message, messages))])

    def _finish(self, message: AIMessage, messages: list[BaseMessage]) -> AIMessage:
        calls = [
            {**call, "id": call.get("id") or f"call_{self._position}_{i}"}
            for i, call in enumerate(message.tool_calls)
        ]
        usage = message.usage_metadata
        if usage is None:
            prompt = sum(_count_tokens(_text_of(m)) for m in messages)
            completion = _count_tokens(_text_of(message))
            usage = {"input_tokens": prompt, "output_tokens": completion, "total_tokens": prompt + completion}
        metadata = {"model_name": self.model_name, "model_provider": "scripted", **message.response_metadata}
        return message.model_copy(
            update={"tool_calls": calls, "usage_metadata": usage, "response_metadata": metadata}
        )
