"""Split a message into clauses ("deploy v2 to staging, then show its error rate") and classify each one.

A clause without intent words of its own ("... and checkout to 3", "... and prod") continues the one
before it: it takes that clause's intent and the slots it does not name itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.offline.intents import IntentModel, Prediction
from agent.offline.mentions import Vocabulary, find_mentions, mask
from agent.offline.slots import Slots, read_slots

STRONG_SPLIT = re.compile(
    r"\s*(?:,?\s*\band then\b|,?\s*\bthen\b|;|(?<=[a-z%)?!])[.?!]\s+|,?\s*\bafter that\b|,?\s*\bafterwards\b"
    r"|,?\s*\band also\b|,?\s*\bas well as\b|,?\s*\bplus\b(?!\s*\d))\s*"
)
WEAK_SPLIT = re.compile(r"\s*(?:,|\band\b|&|\bas well as\b)\s*")
LEAD_IN_CONFIDENCE = 0.6
STATEMENT = re.compile(r"\b(?:is|are|was|were|seems?|looks?|keeps?|got|has|have)\b")
ASKING = re.compile(r"^\s*(?:show|what|what's|how|check|give|get|is|are|list|tell|graph|plot|display|can|could|"
                    r"please|any|was|were|did|does|do)\b")
FILLED = ("apps", "envs", "versions", "metrics", "window", "replicas", "strategy", "status", "limit")


@dataclass
class Clause:
    text: str
    slots: Slots
    prediction: Prediction
    intent: str | None  # None: continues the previous clause
    segment: int = 0
    inherited: set[str] = field(default_factory=set)


def read_clauses(text: str, vocab: Vocabulary, model: IntentModel) -> list[Clause]:
    """Clauses of a message, each with an intent (own or continued) and slots filled from its group."""
    clauses: list[Clause] = []
    for segment, part in enumerate(_strong_parts(text)):
        clauses.extend(_segment(part, segment, vocab, model, first=not clauses))
    _lead_in(clauses, model)
    _continue(clauses)
    _fill_groups(clauses)
    return clauses


def classify(text: str, vocab: Vocabulary, model: IntentModel) -> tuple[Slots, Prediction]:
    mentions = find_mentions(text, vocab)
    return read_slots(text, mentions), model.predict(mask(text.lower(), mentions))


def _strong_parts(text: str) -> list[str]:
    parts = [p.strip(" ,") for p in STRONG_SPLIT.split(text.strip())]
    return [p for p in parts if p] or [text.strip()]


def _segment(text: str, segment: int, vocab: Vocabulary, model: IntentModel, first: bool) -> list[Clause]:
    whole = _clause(text, segment, vocab, model, first)
    spec = model.specs.get(whole.prediction.intent)
    if spec is not None and spec.free_text:
        return [whole]
    parts = [p for p in WEAK_SPLIT.split(text) if p.strip()]
    if len(parts) < 2:
        return [whole]
    return [_clause(p, segment, vocab, model, first and i == 0) for i, p in enumerate(parts)]


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


def _continue(clauses: list[Clause]) -> None:
    for prev, clause in zip(clauses, clauses[1:], strict=False):
        if clause.intent is None:
            clause.intent = prev.intent


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
