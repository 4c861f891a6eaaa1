"""The conversation loop: ``run_turn(conversation, principal, text)`` yields events; every front end is a thin
adapter over it. The model only proposes tool calls; the guard decides (see ``agent.toolkit``).

A mutating call ends the turn at ``approval_required``. When the request is decided, from any front end, its
outcome is appended to the conversation as the result of a ``get_approval`` call and the agent continues its
plan (``Agent.decide`` does this at once; ``run_turn`` and ``resume`` catch up with decisions made elsewhere).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import ModelCallLimitMiddleware, ToolCallLimitMiddleware
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.base import BaseCheckpointSaver

from agent.events import AgentEvent
from agent.models import provider_error
from agent.timing import ModelTimer
from agent.toolkit import TurnContext, build_tools
from agent.usage import TokenUsage, cost_usd, usage_of
from paas.access import Principal
from paas.errors import PaasError
from paas.provider_settings import Prices
from paas.settings import AgentSettings
from paas.store import NewEvent
from tools import Guard, ToolOutcome

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (Path(__file__).parent / "prompts" / "system.md").read_text()
USAGE_STREAM = "usage"
TURN_COMPLETED = "TurnCompleted"
OUTCOME_CALL_PREFIX = "outcome_"


@dataclass(frozen=True)
class AgentOptions:
    limits: AgentSettings = field(default_factory=AgentSettings)
    prices: Prices = field(default_factory=dict)
    system_prompt: str = SYSTEM_PROMPT


@dataclass
class TurnStats:
    usage: TokenUsage = field(default_factory=TokenUsage)
    model_calls: int = 0
    tool_calls: int = 0
    model_seconds: float = 0.0
    started: float = field(default_factory=time.perf_counter)


class Agent:
    """One model, the guarded toolset and a checkpointer: conversations that survive restarts."""

    def __init__(
        self, guard: Guard, model: BaseChatModel, model_name: str, checkpointer: BaseCheckpointSaver,
        options: AgentOptions | None = None,
    ) -> None:
        self.guard = guard
        self.model_name = model_name
        self.options = options or AgentOptions()
        limits = self.options.limits
        middleware: list[Any] = [ModelCallLimitMiddleware(run_limit=limits.max_model_calls, exit_behavior="end"),
                                 ToolCallLimitMiddleware(run_limit=limits.max_tool_calls, exit_behavior="end")]
        self.graph: Any = create_agent(
            model, build_tools(guard), system_prompt=self.options.system_prompt, context_schema=TurnContext,
            checkpointer=checkpointer, middleware=middleware,
        )

    # entry points -----------------------------------------------------------------------------------------

    def run_turn(self, conversation: str, principal: Principal, text: str) -> Iterator[AgentEvent]:
        """One user message in, a stream of events out."""
        self._report_decisions(conversation, principal)
        yield from self._stream({"messages": [HumanMessage(content=text)]}, conversation, principal)

    async def arun_turn(self, conversation: str, principal: Principal, text: str) -> AsyncIterator[AgentEvent]:
        """The async twin of ``run_turn`` (the turn runs in a worker thread; events arrive as they happen)."""
        async for event in _in_thread(lambda: self.run_turn(conversation, principal, text)):
            yield event

    def decide(
        self, request_id: str, approve: bool, approver: Principal, expected_hash: str | None = None,
        reason: str = "",
    ) -> Iterator[AgentEvent]:
        """Decide an approval through the guard, then let the conversation that asked for it continue."""
        outcome = self.guard.decide(request_id, approve, approver, expected_hash=expected_hash, reason=reason)
        yield AgentEvent("tool_result", outcome.summary, outcome.to_dict())
        request = self.guard.approvals.get(request_id)
        if request.conversation:
            requester = self.guard.access.principal(request.requester, request.via)
            yield from self.resume(request.conversation, requester)

    def resume(self, conversation: str, principal: Principal) -> Iterator[AgentEvent]:
        """Append outcomes of approvals decided since the last turn and let the agent continue its plan."""
        if self._report_decisions(conversation, principal):
            yield from self._stream(None, conversation, principal)

    def messages(self, conversation: str) -> list[BaseMessage]:
        state = self.graph.get_state(_config(conversation))
        return list(state.values.get("messages", [])) if state and state.values else []

    # decisions made elsewhere -----------------------------------------------------------------------------

    def _report_decisions(self, conversation: str, principal: Principal) -> bool:
        messages = self.messages(conversation)
        appended: list[BaseMessage] = []
        for request_id in unreported_approvals(messages):
            outcome = self._decision_outcome(request_id, principal)
            if outcome is None:
                continue
            call_id = OUTCOME_CALL_PREFIX + request_id
            call = {"name": "get_approval", "args": {"request_id": request_id}, "id": call_id, "type": "tool_call"}
            appended.append(AIMessage(content="", tool_calls=[call]))
            appended.append(ToolMessage(content=outcome.to_json(), tool_call_id=call_id, name="get_approval"))
        if appended:
            self.graph.update_state(_config(conversation), {"messages": appended}, as_node="tools")
        return bool(appended)

    def _decision_outcome(self, request_id: str, principal: Principal) -> ToolOutcome | None:
        """The outcome of a decided request, read through the guard; None while it is pending."""
        if self.guard.approvals.get(request_id).status in ("pending", "approved"):
            return None  # nothing to report yet: no need for an audited read on every turn
        read = self.guard.call(principal, "get_approval", {"request_id": request_id})
        status = read.data.get("status")
        if read.status != "ok" or status in (None, "pending", "approved"):
            return None
        kind = {"executed": "executed", "failed": "failed", "rejected": "rejected"}.get(status, "error")
        tail = "; do not retry" if status == "rejected" else ""
        return ToolOutcome(kind, read.data["tool"], read.summary + tail)  # type: ignore[arg-type]

    # streaming --------------------------------------------------------------------------------------------

    def _stream(self, graph_input: Any, conversation: str, principal: Principal) -> Iterator[AgentEvent]:
        stats, timer = TurnStats(), ModelTimer()
        config = _config(conversation) | {"callbacks": [timer]}
        context = TurnContext(principal=principal, conversation=conversation)
        try:
            stream = self.graph.stream(graph_input, config, context=context, stream_mode=["updates", "messages"])
            for mode, chunk in stream:
                yield from self._events(mode, chunk, stats)
        except PaasError as err:
            yield AgentEvent("error", str(err))
        except Exception as err:  # noqa: BLE001 - a provider failure ends the turn with a clear message
            log.warning("model %s failed: %s", self.model_name, err)
            yield AgentEvent("error", str(provider_error(err, self.model_name)))
        stats.model_seconds = timer.seconds
        yield self._record_usage(conversation, principal, stats)

    def _events(self, mode: str, chunk: Any, stats: TurnStats) -> Iterator[AgentEvent]:
        if mode == "messages":
            message, _meta = chunk
            if isinstance(message, AIMessageChunk) and message.text:
                yield AgentEvent("text", message.text)
            return
        for node, update in chunk.items():
            for message in (update or {}).get("messages", []) if isinstance(update, dict) else []:
                yield from self._message_events(node, message, stats)

    def _message_events(self, node: str, message: BaseMessage, stats: TurnStats) -> Iterator[AgentEvent]:
        if "Limit" in node and isinstance(message, AIMessage):
            limits = self.options.limits
            yield AgentEvent("error", f"stopped: this turn reached its limit of {limits.max_model_calls} model calls "
                                      f"or {limits.max_tool_calls} tool calls; ask again, more specifically")
        elif isinstance(message, AIMessage):
            stats.model_calls += 1
            stats.usage = stats.usage + usage_of(message)
            for call in message.tool_calls:
                yield AgentEvent("tool_call", data={"name": call["name"], "args": call["args"], "id": call["id"]})
            if not message.tool_calls:
                yield AgentEvent("final", message.text)
        elif isinstance(message, ToolMessage):
            stats.tool_calls += 1
            yield self._tool_event(message)

    def _tool_event(self, message: ToolMessage) -> AgentEvent:
        try:
            data = json.loads(str(message.content))
        except ValueError:
            return AgentEvent("tool_result", str(message.content), {"status": "error", "tool": message.name})
        text = data.get("summary") or data.get("message") or ""
        if data.get("status") == "approval_required":
            request = self.guard.approvals.get(data["approval"]["id"])
            return AgentEvent("approval_required", text, data, approval=request)
        return AgentEvent("tool_result", text, data)

    def _record_usage(self, conversation: str, principal: Principal, stats: TurnStats) -> AgentEvent:
        usage = stats.usage
        data = {
            "conversation": conversation, "user": principal.id, "via": principal.via, "model": self.model_name,
            "input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
            "cost_usd": cost_usd(self.model_name, usage.input_tokens, usage.output_tokens, self.options.prices),
            "model_calls": stats.model_calls, "tool_calls": stats.tool_calls,
            "seconds": round(time.perf_counter() - stats.started, 4), "model_seconds": round(stats.model_seconds, 4),
        }
        self.guard.platform.store.append(USAGE_STREAM, [NewEvent(type=TURN_COMPLETED, data=data, actor=principal.id)])
        return AgentEvent("usage", data=data)


def _config(conversation: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": conversation}, "recursion_limit": 100}


def unreported_approvals(messages: list[BaseMessage]) -> list[str]:
    """Approval ids this conversation asked for whose outcome it has not been told yet."""
    asked: list[str] = []
    told: set[str] = set()
    for message in messages:
        if not isinstance(message, ToolMessage):
            continue
        if message.tool_call_id.startswith(OUTCOME_CALL_PREFIX):
            told.add(message.tool_call_id[len(OUTCOME_CALL_PREFIX):])
            continue
        try:
            data = json.loads(str(message.content))
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("status") == "approval_required":
            asked.append(data["approval"]["id"])
    return [a for a in asked if a not in told]


_DONE = object()


async def _in_thread(make: Any) -> AsyncIterator[AgentEvent]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()

    def work() -> None:
        try:
            for event in make():
                loop.call_soon_threadsafe(queue.put_nowait, event)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, _DONE)

    task = loop.run_in_executor(None, work)
    while (event := await queue.get()) is not _DONE:
        yield event
    await task
