"""Split a message into clauses ("deploy v2 to staging, then show its error rate") and classify each one.

A clause without intent words of its own ("... and checkout to 3", "... and prod") continues the one
before it: it takes that clause's intent and the slots it does not name itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from agent.offline import lexicon as lx
from agent.offline.intents import IntentModel, Prediction
from agent.offline.mentions import Vocabulary, find_mentions, mask
from agent.offline.slots import Slots, read_slots

STRONG_SPLIT = re.compile(
    r"\s*(?:,?\s*\band then\b|,?\s*\bthen\b|;|(?<=[a-z%)?!])[.?!]\s+|,?\s*\bafter that\b|,?\s*\bafterwards\b"
    r"|,?\s*\band also\b|,?\s*\bas well as\b|,?\s*\bplus\b(?!\s*\d))\s*"
)
WEAK_SPLIT = re.compile(r"\s*(?:,|\band\b|&|\bas well as\b)\s*")
LEAD_IN_CONFIDENCE = 0.6
NAMED_APP_MARGIN = 0.25
STATEMENT = re.compile(r"\b(?:is|are|was|were|seems?|looks?|keeps?|got|has|have|went|goes|going|spiked|jumped|rose"
                       r"|climbed|dropped|fell|broke|crashed|failed|started)\b")
ASKING = re.compile(r"^\s*(?:show|what|what's|how|check|give|get|is|are|list|tell|graph|plot|display|can|could|"
                    r"please|any|was|were|did|does|do)\b")
SOCIAL = frozenset({"greet", "thanks"})  # a clause after "hi," or "thanks," does not continue it
FILLED = ("apps", "envs", "versions", "metrics", "window", "replicas", "strategy", "status", "limit", "condition")


@dataclass
class Clause:
    text: str
    slots: Slots
    prediction: Prediction
    intent: str | None  # None: continues the previous clause
    segment: int = 0
    inherited: set[str] = field(default_factory=set)
    lead_in: bool = False  # only sets the scene for the next clause, which takes its slots


def read_clauses(text: str, vocab: Vocabulary, model: IntentModel) -> list[Clause]:
    """Clauses of a message, each with an intent (own or continued) and slots filled from its group."""
    clauses: list[Clause] = []
    for segment, part in enumerate(_strong_parts(_without_fillers(text))):
        clauses.extend(_segment(part, segment, vocab, model, first=not clauses))
    _lead_in(clauses, model)
    _continue(clauses)
    _fill_groups(clauses)
    return [c for c in clauses if not c.lead_in]


def classify(text: str, vocab: Vocabulary, model: IntentModel) -> tuple[Slots, Prediction]:
    mentions = find_mentions(text, vocab)
    slots = read_slots(text, mentions)
    prediction = _prefer_named_app(model.predict(mask(text.lower(), mentions)), slots, model)
    return slots, _question_about_change(prediction, text.lower(), model)


def _question_about_change(prediction: Prediction, lowered: str, model: IntentModel) -> Prediction:
    """ "Was api v2 deployed to prod?" asks what happened (the audit log) or how things are (the status)."""
    spec = model.specs.get(prediction.intent)
    if spec is None or not spec.mutates or not re.match(lx.CHANGE_QUESTION, lowered):
        return prediction
    asked = "get_audit_log" if re.search(lx.HISTORY_QUESTION, lowered) else "get_app_status"
    return replace(prediction, intent=asked, cued=tuple(c for c in prediction.cued if c != prediction.intent))


def _prefer_named_app(prediction: Prediction, slots: Slots, model: IntentModel) -> Prediction:
    """A clause naming an app is about that app: between an overview ("what's running in qa") and the
    per-app intent it stands in for ("what's orders-api running in qa"), a close call goes to the per-app one."""
    if not slots.apps:
        return prediction
    narrower = next((n for n, s in model.specs.items() if s.without_app == prediction.intent), None)
    scores = dict(prediction.ranking)
    if narrower is None or scores.get(narrower, 0.0) < scores[prediction.intent] - NAMED_APP_MARGIN:
        return prediction
    return replace(prediction, intent=narrower)


def _without_fillers(text: str) -> str:
    """The message without leading interjections ("oops, ...", "hmm. ...")."""
    for _ in range(3):
        text = lx.INTERJECTION.sub("", text, count=1)
    return text


def _strong_parts(text: str) -> list[str]:
    parts = [p.strip(" ,") for p in STRONG_SPLIT.split(text.strip())]
    return [p for p in parts if p] or [text.strip()]


def _segment(text: str, segment: int, vocab: Vocabulary, model: IntentModel, first: bool) -> list[Clause]:
    whole = _clause(text, segment, vocab, model, first)
    spec = model.specs.get(whole.prediction.intent)
    if spec is not None and (spec.free_text or _crossed(whole.slots, spec.mutates)):
        return [whole]
    parts = [p for p in WEAK_SPLIT.split(text) if p.strip()]
    if len(parts) < 2:
        return [whole]
    return [_clause(p, segment, vocab, model, first and i == 0) for i, p in enumerate(parts)]


def _crossed(slots: Slots, mutates: bool) -> bool:
    """ "error rate and cpu for api and worker" asks for every metric of every app: one clause, fanned out."""
    return not mutates and len(slots.metrics) > 1 and len(slots.apps) > 1 and len(slots.envs) <= 1


def _clause(text: str, segment: int, vocab: Vocabulary, model: IntentModel, first: bool) -> Clause:
    slots, prediction = classify(text, vocab, model)
    if first or prediction.intent in prediction.cued:
        return Clause(text, slots, prediction, prediction.intent, segment)
    return Clause(text, slots, prediction, _best_cued(prediction) if prediction.cued else None, segment)


def _best_cued(prediction: Prediction) -> str:
    for name, _ in prediction.ranking:
        if name in prediction.cued:
            return name
    return prediction.cued[0]  # pragma: no cover - every cued intent is ranked


def _lead_in(clauses: list[Clause], model: IntentModel) -> None:
    """A first clause that only sets the scene ("checkout prod is broken, roll it back") joins the request.

    That is an unclear clause, or a statement (not a question or command) before a change.
    """
    if len(clauses) < 2 or clauses[1].intent is None:
        return
    first, then = clauses[0], clauses[1]
    unclear = not first.prediction.cued and first.prediction.confidence < LEAD_IN_CONFIDENCE
    spec = model.specs.get(then.intent or "")
    statement = bool(STATEMENT.search(first.text.lower())) and not ASKING.match(first.text.lower())
    if unclear or (statement and spec is not None and spec.mutates):
        first.intent = then.intent
        first.lead_in = True


def _continue(clauses: list[Clause]) -> None:
    for prev, clause in zip(clauses, clauses[1:], strict=False):
        if clause.intent is None:
            clause.intent = clause.prediction.intent if prev.intent in SOCIAL else prev.intent


def _fill_groups(clauses: list[Clause]) -> None:
    """Within a run of clauses with the same intent, a clause takes the slots it lacks from its neighbours."""
    for i, clause in enumerate(clauses):
        group = _group(clauses, i)
        for name in FILLED:
            if _empty(getattr(clause.slots, name)):
                donor = next((c for c in group if not _empty(getattr(c.slots, name))), None)
                if donor is not None:
                    setattr(clause.slots, name, getattr(donor.slots, name))
                    clause.inherited.add(name)


def _group(clauses: list[Clause], i: int) -> list[Clause]:
    """Neighbours of clause i with its intent, nearest first, earlier ones before later ones."""
    intent = clauses[i].intent
    before, after = [], []
    for j in range(i - 1, -1, -1):
        if clauses[j].intent != intent:
            break
        before.append(clauses[j])
    for j in range(i + 1, len(clauses)):
        if clauses[j].intent != intent:
            break
        after.append(clauses[j])
    return before + after


def _empty(value: object) -> bool:
    return value is None or value == []
