"""Slot values read from one clause: apps, environments, versions, metrics, window, replica change and more.

Slots are what the user said, not yet checked against the platform; ``resolve`` turns them into tool
arguments (and asks when something required is missing or unclear).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from agent.offline import lexicon as lx
from agent.offline.mentions import Mention, mask

_REPLICA_NOUN = r"(?:replicas?|instances?|pods?|copies|containers?|nodes?|workers?|tasks?)"
_UP = r"(?:up|increase|raise|bump|grow|more|higher|upscale|expand|add)"
_DOWN = r"(?:down|decrease|reduce|lower|shrink|downscale|less|fewer|cut|drop|trim|shave)"

# (pattern, op, fixed value or None to read group 1)
REPLICA_PATTERNS: tuple[tuple[str, str, int | None], ...] = (
    (r"\b(?:double|doubling|twice|2x|x2)\b", "mul", 2),
    (r"\b(?:triple|treble|thrice|3x|x3)\b", "mul", 3),
    (r"\b(?:quadruple|4x|x4)\b", "mul", 4),
    (r"\b(?:halve|halving|half|in half)\b", "div", 2),
    (rf"\b{_UP}\b[^0-9]{{0,25}}?\bby\s+(\d+)%", "pct", None),
    (rf"\b{_DOWN}\b[^0-9]{{0,25}}?\bby\s+(\d+)%", "pct-", None),
    (r"(?:^|\s)\+(\d+)\b", "add", None),
    (r"(?:^|\s)-(\d+)\b", "sub", None),
    (r"\b(\d+)\s+(?:more|extra|additional|new)\b", "add", None),
    (r"\b(\d+)\s+(?:fewer|less)\b", "sub", None),
    (r"\b(?:add|adding|plus|extra|another|spin up|start)\s+(\d+)\b", "add", None),
    (r"\b(?:remove|removing|drop|kill|minus|subtract|take away|take off|shed|lose|terminate|stop)\s+(\d+)\b",
     "sub", None),
    (rf"\b{_UP}\b[^0-9]{{0,25}}?\bby\s+(\d+)\b", "add", None),
    (rf"\b{_DOWN}\b[^0-9]{{0,25}}?\bby\s+(\d+)\b", "sub", None),
    (rf"\btake\s+(\d+)\s+(?:{_REPLICA_NOUN}\s+)?(?:away|off)\b", "sub", None),
    (rf"\b(?:add|adding|spin up|start)\s+(?:an?|another)\s+(?:new\s+|extra\s+)?{_REPLICA_NOUN}", "add", 1),
    (rf"\banother\s+(?:{_REPLICA_NOUN}|one)\b", "add", 1),
    (rf"\b(?:remove|drop|kill|lose|stop|terminate)\s+an?\s+{_REPLICA_NOUN}", "sub", 1),
    (r"\bscale (?:it |them |zapp )?(?:by|with)\s+(\d+)\b", "add", None),
    (r"\bto\s+(\d+)\b", "set", None),
    (rf"\b(\d+)\s*{_REPLICA_NOUN}", "set", None),
    (r"\b(?:replicas?|instances?|pods?|count|capacity)\s*(?:=|:|to|at|of|is|should be)?\s*(\d+)\b", "set", None),
    (r"\b(?:make it|make that|make them|set it to|set to|at|with|keep|have|run)\s+(\d+)\b", "set", None),
)


@dataclass(frozen=True)
class ReplicaChange:
    """An absolute replica count or a change relative to the current one."""

    op: str  # set | add | sub | mul | div | pct | pct-
    value: int

    def apply(self, current: int) -> int:
        ops = {
            "set": lambda: self.value,
            "add": lambda: current + self.value,
            "sub": lambda: current - self.value,
            "mul": lambda: current * self.value,
            "div": lambda: max(1, current // self.value),
            "pct": lambda: math.ceil(current * (100 + self.value) / 100),
            "pct-": lambda: math.floor(current * (100 - self.value) / 100),
        }
        return max(0, ops[self.op]())

    @property
    def relative(self) -> bool:
        return self.op != "set"

    def describe(self) -> str:
        words = {"add": "+{v}", "sub": "-{v}", "mul": "x{v}", "div": "/{v}", "pct": "+{v}%", "pct-": "-{v}%"}
        return words.get(self.op, "{v}").format(v=self.value)


@dataclass(frozen=True)
class Condition:
    """A condition on a change, checked against a metric reading before the change is proposed."""

    text: str  # as the user wrote it, for the answer
    op: str | None = None  # "gt" | "lt"; None when no comparison could be read
    value: float | None = None
    metric: str | None = None

    def holds(self, reading: float) -> bool | None:
        if self.op is None or self.value is None:
            return None
        return reading > self.value if self.op == "gt" else reading < self.value


def read_condition(lowered: str, metrics: list[Mention]) -> Condition | None:
    """The condition in a clause ("... if it's above 2%"), with the metric named after "if", if any."""
    found = re.search(lx.CONDITION_IF, lowered)
    if found is None:
        return None
    text = lowered[found.start():].strip(" ?.!")
    metric = next((_metrics([str(m.value)])[0] for m in metrics if m.start >= found.start()), None)
    comparison = re.compile(lx.COMPARISON).search(lowered, found.end())
    if comparison is None:
        return Condition(text, metric=metric)
    op = "lt" if comparison.group("op") in lx.LESS_THAN else "gt"
    return Condition(text, op, float(comparison.group("value")), metric)


@dataclass
class Slots:
    """What one clause names, in the order it was said (negated mentions dropped)."""

    text: str = ""
    apps: list[str] = field(default_factory=list)
    maybe_apps: list[tuple[str, ...]] = field(default_factory=list)
    envs: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    window: str | None = None
    replicas: ReplicaChange | None = None
    strategy: str | None = None
    status: str | None = None
    limit: int | None = None
    requests: list[str] = field(default_factory=list)
    all_envs: bool = False  # "in every environment", "everywhere"
    source_env: str | None = None  # "promote api from staging to prod": take the version staging runs
    condition: Condition | None = None  # "... if the error rate is above 2%"
    refers_back: bool = False


def read_slots(text: str, mentions: list[Mention]) -> Slots:
    """Slots of one clause from its text and the mentions found in it."""
    lowered = text.lower()
    cut = _condition_start(lowered)  # numbers and versions in a condition ("if above 2.5%") are not the request's
    kept = [m for m in mentions if not m.negated and (m.start < cut or m.kind not in ("version", "number"))]
    masked = mask(text[:cut], [m for m in mentions if m.end <= cut], numbers=True)
    source = _source_env(lowered, [m for m in kept if m.kind == "env"])
    return Slots(
        text=text.strip(),
        apps=_unique(str(m.value) for m in kept if m.kind == "app"),
        maybe_apps=[tuple(str(m.value).split(",")) for m in kept if m.kind == "maybe_app"],
        envs=_unique(str(m.value) for m in kept if m.kind == "env" and m is not source),
        source_env=str(source.value) if source else None,
        condition=read_condition(lowered, [m for m in kept if m.kind == "metric"]),
        versions=_unique(str(m.value) for m in kept if m.kind == "version"),
        metrics=_metrics([str(m.value) for m in kept if m.kind == "metric"]),
        window=next((str(m.value) for m in kept if m.kind == "window"), None),
        replicas=read_replicas(masked),
        strategy=_first_label(lowered, lx.STRATEGY_PATTERNS),
        status=_approval_status(lowered),
        limit=_limit(masked),
        requests=_unique(str(m.value) for m in kept if m.kind == "request"),
        all_envs=bool(re.search(lx.ALL_ENVS, lowered)),
        refers_back=bool(re.search(lx.REFERS_BACK, lowered)),
    )


def _condition_start(lowered: str) -> int:
    found = re.search(lx.CONDITION_IF, lowered)
    return found.start() if found else len(lowered)


def _source_env(lowered: str, envs: list[Mention]) -> Mention | None:
    """The environment a promotion copies from; only when another environment is named as the target."""
    if len({m.value for m in envs}) < 2:
        return None
    return next((m for m in envs if re.search(lx.SOURCE_ENV_BEFORE, lowered[: m.start])), None)


def read_replicas(masked: str) -> ReplicaChange | None:
    """The replica change in a masked clause ("double" -> x2, "+2", "to 5" ...), or None."""
    for pattern, op, fixed in REPLICA_PATTERNS:
        match = re.search(pattern, masked)
        if match:
            return ReplicaChange(op, fixed if fixed is not None else int(match.group(1)))
    numbers = re.findall(r"(?<![\w.%+-])(\d+)(?![\w.%])", masked)
    return ReplicaChange("set", int(numbers[0])) if len(numbers) == 1 else None


def _metrics(found: list[str]) -> list[str]:
    specific = [m for m in found if m.startswith("latency_")]
    resolved = [m if m != "latency" else (specific[0] if specific else lx.GENERIC_LATENCY) for m in found]
    return _unique(resolved)


def _first_label(text: str, patterns: tuple[tuple[str, str], ...]) -> str | None:
    return next((label for pattern, label in patterns if re.search(pattern, text)), None)


def _approval_status(text: str) -> str | None:
    if re.search(lx.ALL_APPROVALS, text):
        return "all"
    if re.search(r"\b(?:pending|open|waiting|outstanding|awaiting|unapproved)\b", text):
        return "pending"
    return None


def _limit(masked: str) -> int | None:
    for pattern in lx.LIMIT_PATTERNS:
        match = re.search(pattern, masked)
        if match:
            return int(match.group(1))
    return None


def _unique(values: object) -> list[str]:
    out: list[str] = []
    for value in values:  # type: ignore[attr-defined]
        if value not in out:
            out.append(value)
    return out
