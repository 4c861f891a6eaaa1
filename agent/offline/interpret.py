"""What a user message asks for, given the conversation so far: steps to run, or a conversational reply.

``Interpreter.frame`` folds the earlier turns into a ``Frame`` (the last request and what it was about);
``Interpreter.interpret`` reads the new message against it, so follow-ups and answers to questions work.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from agent.offline import lexicon as lx
from agent.offline.clauses import Clause, read_clauses
from agent.offline.conditions import with_readings
from agent.offline.context import Turn
from agent.offline.intents import CHAT_INTENTS, IntentModel
from agent.offline.mentions import Vocabulary
from agent.offline.slots import Slots
from agent.offline.steps import Focus, Step, confirm_app, everywhere, merge_followup, steps_from_clauses
from agent.offline.toolbox import Toolbox

MIN_CONFIDENCE = 0.35
FALLBACK_SCORE = 0.15
OUT_OF_SCOPE_MARGIN = 0.1
_UNION = ("apps", "envs", "versions", "metrics", "maybe_apps", "requests")
_FIRST = ("window", "replicas", "strategy", "status", "limit", "source_env", "condition")


@dataclass(frozen=True)
class Frame:
    """The conversation before the current message."""

    steps: tuple[Step, ...] = ()
    focus: Focus = Focus()
    pending: bool = False  # the last turn ended with a question about ``steps``
    approval_pending: bool = False


@dataclass(frozen=True)
class Interpretation:
    kind: str  # steps | bypass | greet | thanks | out_of_scope | cancel_request | unsure | affirm | which_app
    steps: tuple[Step, ...] = field(default=())


class Interpreter:
    def __init__(self, vocab: Vocabulary, model: IntentModel, tools: Toolbox,
                 envs_of: Callable[[str], list[str]] = lambda app: []) -> None:
        self.vocab = vocab
        self.model = model
        self.tools = tools
        self.envs_of = envs_of  # the environments an app runs in, in promotion order

    def frame(self, turns: list[Turn]) -> Frame:
        """Fold earlier turns, oldest first, into the frame the next message is read against."""
        frame = Frame()
        for turn in turns:
            frame = self._advance(frame, turn)
        return frame

    def _advance(self, frame: Frame, turn: Turn) -> Frame:
        result = self.interpret(turn.text, frame)
        approval = any(turn.status(c) == "approval_required" for c in turn.calls)
        request = _latest_request(turn) or frame.focus.request
        if not result.steps:
            return replace(frame, focus=replace(frame.focus, request=request), pending=False,
                           approval_pending=approval or frame.approval_pending)
        steps = _with_calls(list(result.steps), turn)
        focus = replace(_focus(steps, turn, frame.focus), request=request)
        return Frame(tuple(steps), focus, turn.asked, approval)

    def interpret(self, text: str, frame: Frame) -> Interpretation:
        lowered = text.lower().strip()
        if _bypass(lowered):
            return Interpretation("bypass")
        if re.match(lx.AFFIRM, lowered):
            return self._affirm(frame)
        if re.match(lx.DENY, lowered) and frame.pending and any(s.maybe_apps for s in frame.steps):
            return Interpretation("which_app", tuple(replace(s, maybe_apps=()) for s in frame.steps))
        if re.match(lx.DENY, lowered) and frame.pending:
            return Interpretation("cancel_request")  # "no" to a question: drop the request
        clauses = read_clauses(text, self.vocab, self.model)
        return self._from_clauses(clauses, frame)

    def _affirm(self, frame: Frame) -> Interpretation:
        if frame.pending and any(s.maybe_apps for s in frame.steps):
            return Interpretation("steps", tuple(confirm_app(list(frame.steps))))
        if frame.pending and any(s.condition for s in frame.steps):  # "... anyway?" -> "yes"
            return Interpretation("steps", tuple(replace(s, condition=None) for s in frame.steps))
        return Interpretation("affirm")

    def _from_clauses(self, clauses: list[Clause], frame: Frame) -> Interpretation:
        intents = [c.intent for c in clauses]
        if "bypass_approval" in intents:
            return Interpretation("bypass")
        if "cancel_request" in intents and set(intents) <= CHAT_INTENTS and not _names(_union(clauses)):
            return Interpretation("cancel_request")  # "actually, cancel that" is not a follow-up to repeat
        first = clauses[0]
        if self._is_followup(clauses, frame):
            named = _union(clauses)
            if self._repeats_change(named, frame):
                negative = re.match(lx.NEGATIVE, " ".join(c.text for c in clauses).lower())
                return Interpretation("cancel_request" if negative else "unsure")
            merged = merge_followup(list(frame.steps), named, fill_only=frame.pending)
            return self._steps(_drop_moved_env(merged, frame, first))
        steps = steps_from_clauses([c for c in clauses if c.intent not in CHAT_INTENTS], self.tools, frame.focus)
        if steps:
            return self._steps(steps)
        if first.intent == "followup":
            return self._without_context(clauses)
        if first.prediction.confidence < MIN_CONFIDENCE and not _clearly_out_of_scope(first):
            return Interpretation("unsure")
        return Interpretation(first.intent or "unsure")

    def _steps(self, steps: list[Step]) -> Interpretation:
        steps = with_readings(everywhere(steps, self.tools, self.envs_of), self.tools)
        return Interpretation("steps", tuple(steps))

    def _without_context(self, clauses: list[Clause]) -> Interpretation:
        """A "follow-up" with nothing to follow: take the likeliest tool intent if it is plausible at all."""
        first = clauses[0]
        for name, score in first.prediction.ranking:
            if name not in CHAT_INTENTS and score >= FALLBACK_SCORE:
                for clause in clauses:
                    clause.intent = name if clause.intent == "followup" else clause.intent
                steps = steps_from_clauses(clauses, self.tools, Focus())
                return Interpretation("steps", tuple(steps))
        return Interpretation("unsure")

    def _repeats_change(self, named: Slots, frame: Frame) -> bool:
        """A follow-up naming nothing new ("no", "not now") after a change would only ask for it again."""
        if frame.pending or _names(named):
            return False
        return any((tool := self.tools.get(s.intent)) is not None and tool.mutates for s in frame.steps)

    def _is_followup(self, clauses: list[Clause], frame: Frame) -> bool:
        if not frame.steps:
            return False
        first = clauses[0]
        tool_intents = {c.intent for c in clauses if c.intent not in CHAT_INTENTS}
        previous = {s.intent for s in frame.steps}
        if first.intent == "followup" and not tool_intents:
            return True
        if frame.pending and (not tool_intents or tool_intents <= previous):
            return first.intent not in ("greet", "thanks", "out_of_scope", "cancel_request")
        return len(clauses) == 1 and tool_intents == {frame.steps[-1].intent} and len(previous) == 1


def _clearly_out_of_scope(clause: Clause) -> bool:
    """Unsure, but nothing the tools do comes close: say it can't be done rather than "what do you mean?"."""
    ranking = clause.prediction.ranking
    runner_up = ranking[1][1] if len(ranking) > 1 else 0.0
    return clause.intent == "out_of_scope" and ranking[0][1] - runner_up >= OUT_OF_SCOPE_MARGIN


def _names(slots: Slots) -> bool:
    """Does the message name anything a request could use (an app, environment, number ...)?"""
    return slots.all_envs or any(getattr(slots, kind) not in (None, []) for kind in _UNION + _FIRST)


def _bypass(lowered: str) -> bool:
    """Asks to skip, self-grant or force an approval (questions about who or when approves do not)."""
    if re.match(lx.APPROVAL_QUESTION, lowered):
        return False
    return any(re.search(p, lowered) for p in lx.BYPASS_PATTERNS)


def _union(clauses: list[Clause]) -> Slots:
    """All the values a (follow-up) message names, across its clauses."""
    merged = Slots(text=" ".join(c.text for c in clauses))
    for clause in clauses:
        for name in _UNION:
            getattr(merged, name).extend(v for v in getattr(clause.slots, name) if v not in getattr(merged, name))
        for name in _FIRST:
            if getattr(merged, name) is None:
                setattr(merged, name, getattr(clause.slots, name))
        merged.refers_back = merged.refers_back or clause.slots.refers_back
        merged.all_envs = merged.all_envs or clause.slots.all_envs
    return merged


def _drop_moved_env(steps: list[Step], frame: Frame, first: Clause) -> list[Step]:
    """A new request naming another app does not carry over the old environment (follow-ups do)."""
    if first.intent == "followup" or frame.pending:
        return steps
    old_apps = {s.app for s in frame.steps}
    return [replace(s, env=None) if s.soft_env and s.app not in old_apps else s for s in steps]


def _with_calls(steps: list[Step], turn: Turn) -> list[Step]:
    """Steps carried out in a turn take the app and environment its tool calls actually used."""
    for i, call in enumerate(turn.calls[: len(steps)]):
        if call.name == steps[i].intent:
            args = call.args
            steps[i] = replace(steps[i], app=args.get("app", steps[i].app),
                               env=args.get("environment", steps[i].env), soft_env=False)
    return steps


def _latest_request(turn: Turn) -> str | None:
    """The id of the last approval request this turn asked for."""
    for call in reversed(turn.calls):
        result = turn.results.get(call.id) or {}
        approval = result.get("approval")
        request = approval.get("id") if isinstance(approval, dict) else result.get("request_id")
        if request:
            return str(request)
    return None


def _focus(steps: list[Step], turn: Turn, previous: Focus) -> Focus:
    for call in reversed(turn.calls):
        if call.args.get("app"):
            return Focus(call.args["app"], call.args.get("environment"), version=call.args.get("version"))
    for step in reversed(steps):
        if step.app:
            return Focus(step.app, step.env)
    env = next((c.args["environment"] for c in reversed(turn.calls) if c.args.get("environment")), None)
    return Focus(None, env) if env else previous  # "what's in prod?" -> "... there" means prod
