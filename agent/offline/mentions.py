"""Find what a sentence names: versions, time windows, metrics, environments, apps (exact or fuzzy), numbers.

``find_mentions`` returns non-overlapping spans; ``mask`` replaces them with placeholder words (``zapp``,
``zenv`` ...) so the intent classifier sees the shape of a request rather than this platform's names.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from agent.offline import lexicon as lx
from paas.metrics import format_duration, parse_duration

SURE_RATIO = 0.84
MAYBE_RATIO = 0.7
PLACEHOLDERS = {"app": "zapp", "env": "zenv", "version": "zver", "window": "zdur", "metric": "zmetric",
                "request": "zreq"}


@dataclass(frozen=True)
class Vocabulary:
    """The names a catalog makes meaningful: apps, environments (with aliases) and release versions."""

    apps: tuple[str, ...]
    environments: tuple[str, ...]
    versions: tuple[str, ...]
    known_words: frozenset[str] = frozenset()

    def env_words(self) -> dict[str, str]:
        """Every word that names one of the catalog's environments -> that environment."""
        words = {env: env for env in self.environments}
        for group in lx.ENV_GROUPS.values():
            present = [env for env in self.environments if env in group]
            if len(present) == 1:
                words.update({alias: present[0] for alias in group if alias not in words})
        return words


@dataclass(frozen=True)
class Mention:
    kind: str  # app | env | version | window | metric | number | maybe_app | request
    value: str | int
    start: int
    end: int
    negated: bool = False
    sign: str = ""  # "+" or "-" written before a number, "%" after it


def find_mentions(text: str, vocab: Vocabulary) -> list[Mention]:
    """All mentions in ``text`` (lower-cased), in order of position, without overlaps."""
    text = text.lower()
    found: list[Mention] = []
    finders = (_requests, _catalog_versions, _versions, _windows, _metrics, _envs, _apps, _numbers, _fuzzy_apps)
    for finder in finders:
        for mention in finder(text, vocab):
            if not any(m.start < mention.end and mention.start < m.end for m in found):
                found.append(_negate(text, mention))
    return sorted(found, key=lambda m: m.start)


def mask(text: str, mentions: Iterable[Mention], numbers: bool = False) -> str:
    """Replace mentions by placeholders; numbers become ``znum`` or, with ``numbers``, plain digits."""
    out, pos = [], 0
    for m in sorted(mentions, key=lambda m: m.start):
        out.append(text[pos:m.start])
        if m.kind == "number":
            sign = m.sign if m.sign in ("+", "-") else ""
            out.append(f"{sign}{m.value}{'%' if m.sign == '%' else ''}" if numbers else f"{sign}znum")
        else:
            out.append(PLACEHOLDERS.get(m.kind, "zapp"))
        pos = m.end
    out.append(text[pos:])
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _negate(text: str, mention: Mention) -> Mention:
    if lx.NOT_BEFORE.search(text[: mention.start]):
        return Mention(mention.kind, mention.value, mention.start, mention.end, True, mention.sign)
    return mention


def _spans(text: str, pattern: str, kind: str, value: str | int | None = None) -> Iterator[Mention]:
    for match in re.finditer(pattern, text):
        yield Mention(kind, match.group(0) if value is None else value, match.start(), match.end())


def _requests(text: str, vocab: Vocabulary) -> Iterator[Mention]:
    yield from _spans(text, lx.REQUEST_ID, "request")


def _catalog_versions(text: str, vocab: Vocabulary) -> Iterator[Mention]:
    for version in sorted(vocab.versions, key=len, reverse=True):
        if len(version) >= 3 or version.startswith("v"):
            yield from _spans(text, rf"(?<![\w.-]){re.escape(version.lower())}(?![\w-]|\.\d)", "version", version)


def _versions(text: str, vocab: Vocabulary) -> Iterator[Mention]:
    for pattern in lx.VERSION_PATTERNS:
        yield from _spans(text, pattern, "version")
    for pattern, keyword in lx.VERSION_KEYWORDS:
        yield from _spans(text, pattern, "version", keyword)


def _windows(text: str, vocab: Vocabulary) -> Iterator[Mention]:
    for pattern, fixed in lx.WINDOW_PATTERNS:
        for match in re.finditer(pattern, text):
            value = fixed or _duration(match.group(1), match.group(2))
            if value:
                yield Mention("window", value, match.start(), match.end())


def _duration(count: str, unit: str) -> str | None:
    n = int(count) if count.isdigit() else lx.NUMBER_WORDS.get(count, 1)
    letter = lx.DURATION_UNITS[unit]
    if letter == "w":
        n, letter = n * 7, "d"
    if n <= 0:
        return None
    return format_duration(parse_duration(f"{n}{letter}"))


def _metrics(text: str, vocab: Vocabulary) -> Iterator[Mention]:
    for pattern, metric in lx.METRIC_PATTERNS:
        for match in re.finditer(pattern, text):
            value = match.group(1) if metric == "=" else metric
            yield Mention("metric", value, match.start(), match.end())


def _envs(text: str, vocab: Vocabulary) -> Iterator[Mention]:
    for word, env in sorted(vocab.env_words().items(), key=lambda kv: len(kv[0]), reverse=True):
        for m in _spans(text, rf"(?<![\w-]){re.escape(word)}(?![\w-])", "env", env):
            guarded = word in lx.GUARDED_ENV_WORDS and word not in vocab.environments  # aliases, not real names
            if guarded and not re.search(r"\b(?:in|to|on|into|for|from)\s+(?:the\s+)?$", text[: m.start]):
                continue
            yield m


def _apps(text: str, vocab: Vocabulary) -> Iterator[Mention]:
    for app in sorted(vocab.apps, key=len, reverse=True):
        loose = r"[\s_-]?".join(re.escape(part) for part in app.split("-"))
        yield from _spans(text, rf"(?<![\w-]){loose}(?![\w-])", "app", app)


def _numbers(text: str, vocab: Vocabulary) -> Iterator[Mention]:
    for match in re.finditer(rf"(?<![\w.])([+-]?)(\d+)(\s*%)?(?![\w.])|\b({lx.NUMBER_WORD})\b", text):
        if match.group(4):
            if re.search(r"\b(?:that|this|the|which|previous|each|no)\s+$", text[: match.start()]):
                continue
            yield Mention("number", lx.NUMBER_WORDS[match.group(4)], match.start(), match.end())
            continue
        sign = "%" if match.group(3) else match.group(1)
        yield Mention("number", int(match.group(2)), match.start(), match.end(), sign=sign)


def _fuzzy_apps(text: str, vocab: Vocabulary) -> Iterator[Mention]:
    for match in re.finditer(r"[a-z][a-z0-9-]{2,}", text):
        word = match.group(0).strip("-")
        if word in lx.COMMON_WORDS or word in vocab.known_words:
            continue
        sure, maybe = match_app(word, vocab.apps)
        if sure:
            yield Mention("app", sure, match.start(), match.end())
        if maybe:
            yield Mention("maybe_app", ",".join(maybe), match.start(), match.end())


def match_app(word: str, apps: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """(a sure match, or None and the plausible candidates) for a word that is not exactly an app name."""
    return _match_app(word, apps)


@lru_cache(maxsize=4096)
def _match_app(word: str, apps: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    prefixed = [app for app in apps if len(word) >= 4 and app.startswith(word)]
    if len(prefixed) == 1 and len(word) * 2 >= len(prefixed[0]):
        return prefixed[0], ()
    scored = sorted(((difflib.SequenceMatcher(None, word, app).ratio(), app) for app in apps), reverse=True)
    scored = [(ratio, app) for ratio, app in scored if ratio >= MAYBE_RATIO]
    if not scored:
        return None, tuple(prefixed)
    best_ratio, best = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best_ratio >= SURE_RATIO and best_ratio - runner_up > 0.05 and len(word) >= 4:
        return best, ()
    return None, tuple(app for _, app in scored[:3])
