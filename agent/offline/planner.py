"""Decide the next message: tool calls, a question, or a summary of what the tools returned.

Steps run in order. Read-only steps that follow each other go out together; a mutating step goes out
alone, and when it comes back ``approval_required`` the planner stops: a human decides, and when the
result is appended ("executed") the plan continues from the next step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from langchain_core.messages import BaseMessage, ToolMessage

from agent.offline import summaries
from agent.offline.conditions import READ_METRICS, verdict
from agent.offline.context import DONE, PENDING, Turn, parse_result, read_turns
from agent.offline.intents import IntentModel
from agent.offline.interpret import Frame, Interpretation, Interpreter
from agent.offline.mentions import Vocabulary
from agent.offline.resolve import Ask, Resolved, Resolver, env_order
from agent.offline.steps import Step
from agent.offline.toolbox import Toolbox
from paas.state import PlatformState

MAX_BATCH = 6


@dataclass(frozen=True)
class Reply:
    text: str = ""
    calls: tuple[Resolved, ...] = field(default=())


class Planner:
    """Plans one reply for a conversation, from the messages alone (plus the live catalog)."""

    def __init__(self, state: PlatformState, tools: Toolbox, model: IntentModel) -> None:
        self.state = state
        self.tools = tools
        self.model = model
        vocab = Vocabulary(tuple(state.app_names), tuple(state.environments), _versions(state), model.words)
        self.interpreter = Interpreter(vocab, model, tools, lambda app: env_order(state.environments_of(app)))
        self.resolver = Resolver(state)

    def reply(self, messages: Sequence[BaseMessage]) -> Reply:
        turns = read_turns(messages)
        if not turns:
            return Reply(self._greeting())
        turn = turns[-1]
        last = messages[-1]
        if isinstance(last, ToolMessage) and not turn.answers(last.tool_call_id):
            return Reply(self._foreign(messages))
        frame = self.interpreter.frame(turns[:-1])
        meaning = self.interpreter.interpret(turn.text, frame)
        if meaning.kind != "steps":
            return Reply(self._chat(meaning, frame))
        if messages and isinstance(messages[-1], ToolMessage):
            return self._after_results(turn, list(meaning.steps), messages)
        if turn.calls:
            return Reply(self._summary(turn))
        return self._next(list(meaning.steps), 0, turn)

    # starting and continuing a plan --------------------------------------------------------------------------

    def _next(self, steps: list[Step], start: int, turn: Turn) -> Reply:
        """Calls for the next batch of steps from ``start``, or the first question that stands in the way."""
        resolved: list[Resolved] = []
        for step in map(self._redirect, steps[start:]):
            tool = self.tools.get(step.intent)
            if tool is None:
                return Reply(self._unavailable(step.intent))
            if step.condition is not None and tool.mutates:
                if resolved:
                    break  # read first: the condition is checked when the readings are back
                held = self._unless_condition_holds(step, turn)
                if held is not None:
                    return held
            outcome = self.resolver.resolve(step, tool)
            if isinstance(outcome, Ask):
                return Reply(outcome.text)
            resolved.append(outcome)
        return Reply(calls=tuple(_batch(resolved)))

    def _unless_condition_holds(self, step: Step, turn: Turn) -> Reply | None:
        """None when the condition of a change holds; otherwise why the change is not proposed."""
        readings = [r.get("data") or {} for c in turn.calls if c.name == READ_METRICS
                    and (r := turn.results.get(c.id)) is not None and r.get("status", "ok") == "ok"]
        holds, why = verdict(step, readings)
        if holds:
            return None
        if holds is False:
            return Reply(f"{why}, so I did not {_describe([step])}.")
        return Reply(f"{why} Should I {_describe([step])} anyway?")

    def _redirect(self, step: Step) -> Step:
        """An intent that needs an app but has none may name a broader tool ("status" -> list the apps)."""
        spec = self.model.specs.get(step.intent)
        target = spec.without_app if spec else None
        if step.app or step.maybe_apps or not target or target not in self.tools:
            return step
        return replace(step, intent=target)

    def _after_results(self, turn: Turn, steps: list[Step], messages: Sequence[BaseMessage]) -> Reply:
        statuses = [turn.status(c) for c in turn.calls]
        if PENDING in statuses:
            return Reply(self._approval_wait(turn, steps))
        stopped = [s for s in statuses if s not in DONE and s is not None]
        if stopped or None in statuses or turn.done() >= len(steps):
            return Reply(self._summary(turn, remaining=steps[len(turn.calls):] if stopped else []))
        reply = self._next(steps, len(turn.calls), turn)
        if reply.calls:
            return reply
        return Reply(f"{self._summary(turn)} {reply.text}".strip())

    # texts ----------------------------------------------------------------------------------------------------

    def _summary(self, turn: Turn, remaining: Sequence[Step] = ()) -> str:
        texts = [summaries.render_result(turn.results[c.id], c.args) for c in turn.calls if c.id in turn.results]
        if remaining:
            texts.append(f"I did not go on with: {_describe(remaining)}.")
        return " ".join(texts) or "Nothing came back from the tools."

    def _approval_wait(self, turn: Turn, steps: list[Step]) -> str:
        done = [summaries.render_result(turn.results[c.id], c.args) for c in turn.calls
                if turn.status(c) in DONE]
        waiting = [summaries.approval_notice(turn.results[c.id]) for c in turn.calls
                   if turn.status(c) == PENDING]
        rest = steps[len(turn.calls):]
        after = [f"Once it is approved I will continue with: {_describe(rest)}."] if rest else []
        return " ".join(done + waiting + after)

    def _foreign(self, messages: Sequence[BaseMessage]) -> str:
        """Results for calls of an earlier message (an approval decided later): report them."""
        trailing: list[dict[str, Any]] = []
        for message in reversed(messages):
            if not isinstance(message, ToolMessage):
                break
            trailing.insert(0, parse_result(message))
        return " ".join(summaries.render_result(r) for r in trailing)

    def _chat(self, meaning: Interpretation, frame: Frame) -> str:
        if meaning.kind == "bypass":
            return summaries.bypass_reply(frame.approval_pending)
        if meaning.kind == "greet":
            return self._greeting()
        if meaning.kind == "thanks":
            return "You're welcome."
        if meaning.kind == "cancel_request":
            return summaries.cancel_reply(frame.approval_pending)
        if meaning.kind == "affirm":
            pending = " The change waits for an authorised person to approve it on the approval card."
            return "There is nothing waiting for a yes from me." + (pending if frame.approval_pending else "")
        if meaning.kind == "which_app":
            return f"Which app did you mean: {', '.join(self.state.app_names)}?"
        if meaning.kind == "out_of_scope":
            return f"Sorry, I can't do that. {self._capabilities()}"
        return f"I'm not sure what you'd like me to do. {self._capabilities()} Which of these do you need?"

    def _greeting(self) -> str:
        return f"Hello! I'm the offline planner: I read requests with simple rules, not an LLM. {self._capabilities()}"

    def _capabilities(self) -> str:
        described = []
        for name in self.tools.names():
            spec = self.model.specs.get(name)
            described.append(spec.describe if spec else name.replace("_", " "))
        return summaries.capabilities(described)

    def _unavailable(self, intent: str) -> str:
        spec = self.model.specs.get(intent)
        what = spec.describe if spec else intent.replace("_", " ")
        return f"Sorry, I can't {what} here: that tool is not available. {self._capabilities()}"


def _batch(resolved: list[Resolved]) -> list[Resolved]:
    """The next calls to send: one mutating call, or the read-only calls up to the next mutating one."""
    if not resolved:
        return []
    if resolved[0].mutates:
        return resolved[:1]
    batch: list[Resolved] = []
    for call in resolved[:MAX_BATCH]:
        if call.mutates:
            break
        batch.append(call)
    return batch


def _describe(steps: Sequence[Step]) -> str:
    parts = []
    for step in steps:
        target = "/".join(p for p in (step.app, step.env) if p)
        parts.append(f"{step.intent.replace('_', ' ')}{' for ' + target if target else ''}")
    return "; ".join(parts)


def _versions(state: PlatformState) -> tuple[str, ...]:
    return tuple(sorted({v for releases in state.releases.values() for v in releases}))
