"""``OfflinePlanner``: the deterministic planner as a LangChain chat model, so the same agent loop runs on it.

It reads the bound tools' specs, plans the next message from the conversation and the live catalog, and
answers as an ``AIMessage`` (text or tool calls). It is not an LLM and reports no token usage.
"""

from __future__ import annotations

import hashlib
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
from pydantic import ConfigDict, Field

from agent.offline.intents import default_model
from agent.offline.planner import Planner, Reply
from agent.offline.toolbox import Toolbox
from paas.state import PlatformState

MODEL_NAME = "offline"


class OfflinePlanner(BaseChatModel):
    """A deterministic planner: intent classifier + slot filling over the live platform catalog."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    catalog: Callable[[], PlatformState] = Field(exclude=True)
    """Returns the current platform state (apps, environments, releases)."""

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        default_model()  # train (once per process) now rather than on the first message

    @property
    def _llm_type(self) -> str:
        return MODEL_NAME

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": MODEL_NAME}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        planner = Planner(self.catalog(), Toolbox.from_openai(kwargs.get("tools")), default_model())
        message = to_message(planner.reply(messages), messages)
        return ChatResult(generations=[ChatGeneration(message=message)])


def to_message(reply: Reply, messages: Sequence[BaseMessage]) -> AIMessage:
    """The reply as an AIMessage with deterministic, unique tool call ids."""
    seed = _digest(messages)
    calls = [
        {"name": c.name, "args": c.args, "id": f"call_{_hash(seed, i, c.name)}", "type": "tool_call"}
        for i, c in enumerate(reply.calls)
    ]
    return AIMessage(
        content=reply.text,
        tool_calls=calls,
        response_metadata={"model_name": MODEL_NAME, "model_provider": MODEL_NAME},
        usage_metadata={"input_tokens": 0, "output_tokens": 0, "total_tokens": 0},
    )


def _digest(messages: Sequence[BaseMessage]) -> str:
    h = hashlib.sha256()
    for m in messages:
        calls = [(c.get("id"), c.get("name")) for c in getattr(m, "tool_calls", None) or []]
        part = json.dumps([m.type, m.content, getattr(m, "tool_call_id", None), calls], default=str)
        h.update(part.encode())
    return h.hexdigest()


def _hash(seed: str, index: int, name: str) -> str:
    return hashlib.sha256(f"{seed}:{index}:{name}".encode()).hexdigest()[:24]
