"""Intent classification: a scikit-learn pipeline trained on ``utterances.yaml``, plus cue words as evidence.

Text is masked first (``zapp``, ``zenv``, ``znum`` ...), so the model learns the shape of requests, not the
names on one platform. The fitted model is cached per process: building a planner costs nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from agent.offline.mentions import Vocabulary, find_mentions, mask

UTTERANCES = Path(__file__).with_name("utterances.yaml")
CUE_BONUS = 0.3
CHAT_INTENTS = frozenset({"greet", "thanks", "followup", "bypass_approval", "out_of_scope", "cancel_request"})


@dataclass(frozen=True)
class IntentSpec:
    """One intent: the tool it maps to (None for conversational intents) and how to recognise it."""

    name: str
    describe: str
    mutates: bool
    free_text: bool
    without_app: str | None
    cues: tuple[re.Pattern[str], ...]
    examples: tuple[str, ...]

    @property
    def tool(self) -> str | None:
        return None if self.name in CHAT_INTENTS else self.name

    def cued(self, masked: str) -> bool:
        return any(cue.search(masked) for cue in self.cues)


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    cued: tuple[str, ...]  # intents (other than followup) whose cue words appear
    ranking: tuple[tuple[str, float], ...]


class IntentModel:
    """Classifier over masked text, combined with cue evidence."""

    def __init__(self, specs: dict[str, IntentSpec], train_vocab: Vocabulary) -> None:
        self.specs = specs
        self.train_vocab = train_vocab
        texts, labels = self._training_set()
        self.pipeline = _pipeline().fit(texts, labels)
        self.labels: list[str] = list(self.pipeline.classes_)
        self.words = frozenset(w for t in texts for w in re.findall(r"[a-z][a-z0-9-]+", t)) - set(train_vocab.apps)

    def _training_set(self) -> tuple[list[str], list[str]]:
        texts, labels = [], []
        for spec in self.specs.values():
            for example in spec.examples:
                texts.append(self.normalise(example, self.train_vocab))
                labels.append(spec.name)
        return texts, labels

    @staticmethod
    def normalise(text: str, vocab: Vocabulary) -> str:
        return mask(text.lower(), find_mentions(text, vocab))

    def predict(self, masked: str) -> Prediction:
        """The most likely intent of a masked clause, with cue evidence added to the probabilities."""
        probs = self.pipeline.predict_proba([masked])[0]
        cued = tuple(n for n, s in self.specs.items() if s.cued(masked) and n != "followup")
        scores = {label: float(p) for label, p in zip(self.labels, probs, strict=True)}
        for name in cued:
            scores[name] = scores.get(name, 0.0) + CUE_BONUS
        if self.specs["followup"].cued(masked) and not cued:
            scores["followup"] = scores.get("followup", 0.0) + CUE_BONUS
        ranking = tuple(sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])))
        best, score = ranking[0]
        return Prediction(best, min(1.0, scores[best]), cued, ranking[:4])


def _pipeline() -> Pipeline:
    features = FeatureUnion([
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b",
                                  sublinear_tf=True)),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
    ])
    classifier = LogisticRegression(C=20.0, max_iter=5000)
    return Pipeline([("features", features), ("classifier", classifier)])


def load_specs(path: Path = UTTERANCES) -> tuple[dict[str, IntentSpec], Vocabulary]:
    """Intent specs and the training vocabulary from an utterances file."""
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    catalog = data.get("catalog", {})
    vocab = Vocabulary(tuple(catalog.get("apps", [])), tuple(catalog.get("environments", [])), ())
    specs = {name: _spec(name, body) for name, body in data["intents"].items()}
    return specs, vocab


def _spec(name: str, body: dict[str, Any]) -> IntentSpec:
    return IntentSpec(
        name=name,
        describe=body.get("describe", name.replace("_", " ")),
        mutates=bool(body.get("mutates", False)),
        free_text=bool(body.get("free_text", False)),
        without_app=body.get("without_app"),
        cues=tuple(re.compile(c) for c in body.get("cues", [])),
        examples=tuple(str(e) for e in body.get("examples", [])),
    )


@lru_cache(maxsize=1)
def default_model() -> IntentModel:
    """The model trained on the shipped utterances (fitted once per process)."""
    specs, vocab = load_specs()
    return IntentModel(specs, vocab)
