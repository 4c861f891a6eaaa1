"""Steps: one tool invocation each, with single slot values, built from clauses or from an earlier request.

A clause naming several apps, environments or metrics fans out into one step per combination. Follow-ups
("same for payments", "and in prod?", "no, staging") re-use the previous request with the new values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import product
from typing import Any

from agent.offline.clauses import Clause
from agent.offline.slots import Condition, ReplicaChange, Slots
from agent.offline.toolbox import Toolbox


@dataclass(frozen=True)
class Step:
    """One intended tool call, before its arguments are checked against the platform."""

    intent: str
    app: str | None = None
    env: str | None = None
    version: str | None = None
    metric: str | None = None
    window: str | None = None
    replicas: ReplicaChange | None = None
    strategy: str | None = None
    status: str | None = None
    limit: int | None = None
    query: str | None = field(default=None, compare=False)
    request: str | None = None  # an approval request id
    condition: Condition | None = None  # only propose the change when a metric reading meets this
    source_env: str | None = None  # deploy the version this environment runs ("promote from staging")
    all_envs: bool = False  # asked for every environment the app runs in (read-only tools fan out over them)
    maybe_apps: tuple[str, ...] = ()
    soft_env: bool = False  # taken from context rather than said; dropped if the app does not run there
    refers_back: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class Focus:
    """What the conversation was last about."""

    app: str | None = None
    env: str | None = None
    request: str | None = None  # the latest approval request of the conversation
    version: str | None = None  # the release last deployed (or asked for) for ``app``


def steps_from_clauses(clauses: list[Clause], tools: Toolbox, focus: Focus) -> list[Step]:
    steps: list[Step] = []
    for clause in clauses:
        for step in _fan_out(clause.intent or "out_of_scope", clause.slots):
            steps.append(_with_context(step, steps[-1] if steps else None, focus, tools))
    return _dedupe(steps)


def _fan_out(intent: str, slots: Slots) -> list[Step]:
    base = Step(
        intent=intent,
        version=slots.versions[0] if slots.versions else None,
        window=slots.window,
        replicas=slots.replicas,
        strategy=slots.strategy,
        status=slots.status,
        limit=slots.limit,
        query=slots.text or None,
        request=slots.requests[0] if slots.requests else None,
        all_envs=slots.all_envs and not slots.envs,
        source_env=slots.source_env,
        condition=slots.condition,
        maybe_apps=slots.maybe_apps[0] if slots.maybe_apps and not slots.apps else (),
        refers_back=slots.refers_back,
    )
    none: list[str | None] = [None]
    combos = product(slots.apps or none, slots.envs or none, slots.metrics or none)
    return [replace(base, app=app, env=env, metric=metric) for app, env, metric in combos]


def _with_context(step: Step, previous: Step | None, focus: Focus, tools: Toolbox) -> Step:
    """Fill a missing app/environment from the previous step of this message, else the conversation."""
    for source in (_as_focus(previous), focus):
        if source.app or source.env or source.request:
            step = _borrow(step, source, tools)
    return step


def _as_focus(step: Step | None) -> Focus:
    return Focus(step.app, step.env, step.request) if step else Focus()


def _borrow(step: Step, source: Focus, tools: Toolbox) -> Step:
    spec = tools.get(step.intent)
    if spec is None or step.maybe_apps:
        return step
    if step.request is None and source.request and spec.param("request"):
        step = replace(step, request=source.request)  # "is it approved?" -> the request made last
    wants_app = spec.needs("app") or (step.refers_back and spec.param("app"))
    if step.app is None and source.app and wants_app:
        step = replace(step, app=source.app, env=step.env or source.env, soft_env=step.env is None)
    elif step.app == source.app and step.env is None and source.env and (spec.needs("env") or step.refers_back):
        step = replace(step, env=source.env, soft_env=True)
    elif source.app is None and step.env is None and source.env and step.refers_back and spec.param("env"):
        step = replace(step, env=source.env, soft_env=True)  # "... there" after a request about one environment
    if step.app == source.app and step.version is None and source.version and step.refers_back \
            and spec.needs("version"):
        step = replace(step, version=source.version)  # "promote it to prod": the release just deployed
    return step


def merge_followup(previous: list[Step], slots: Slots, fill_only: bool) -> list[Step]:
    """The previous request again, with what the follow-up names replacing its values.

    With ``fill_only`` (an answer to a question) a value only fills the steps that lack it, unless no step
    lacks it: then it is a correction and replaces it everywhere.
    """
    missing = {k for k in _KINDS if any(getattr(s, k) is None for s in previous)} if fill_only else set()
    merged: list[Step] = []
    for step in previous:
        merged.extend(_override(step, slots, missing))
    return _dedupe(merged)


_KINDS = ("app", "env", "version", "metric", "window", "replicas", "strategy", "status", "limit")


def _override(step: Step, slots: Slots, fill: set[str]) -> list[Step]:
    def pick(kind: str, current: Any, new: Any) -> Any:
        if new in (None, [], ()):
            return current
        return current if kind in fill and current not in (None, [], ()) else new

    base = replace(
        step,
        version=pick("version", step.version, slots.versions[0] if slots.versions else None),
        window=pick("window", step.window, slots.window),
        replicas=pick("replicas", step.replicas, slots.replicas),
        strategy=pick("strategy", step.strategy, slots.strategy),
        status=pick("status", step.status, slots.status),
        limit=pick("limit", step.limit, slots.limit),
        all_envs=slots.all_envs or (step.all_envs and not slots.envs),
    )
    apps = pick("app", [step.app] if step.app else [], slots.apps) or [None]
    every = slots.all_envs or step.all_envs  # "... everywhere": the environments come from the app
    envs = pick("env", [step.env] if step.env and not every else [], slots.envs) or [None]
    metrics = pick("metric", [step.metric] if step.metric else [], slots.metrics) or [None]
    if not apps[0] and slots.maybe_apps:
        base = replace(base, maybe_apps=slots.maybe_apps[0])
    elif apps[0]:
        base = replace(base, maybe_apps=())
    soft = step.soft_env and not slots.envs
    return [replace(base, app=a, env=e, metric=m, soft_env=soft) for a, e, m in product(apps, envs, metrics)]


def everywhere(steps: list[Step], tools: Toolbox, envs_of: Callable[[str], list[str]]) -> list[Step]:
    """A read asked for "in every environment" becomes one step per environment the app runs in."""
    out: list[Step] = []
    for step in steps:
        tool = tools.get(step.intent)
        if step.all_envs and step.app and step.env is None and tool and not tool.mutates and tool.needs("env"):
            out.extend(replace(step, env=env) for env in envs_of(step.app))  # still all_envs, for follow-ups
        else:
            out.append(step)
    return _dedupe(out)


def confirm_app(previous: list[Step]) -> list[Step]:
    """After "Did you mean X?" -> "yes": take the suggestion."""
    return [replace(s, app=s.maybe_apps[0], maybe_apps=()) if s.maybe_apps and not s.app else s for s in previous]


def _dedupe(steps: list[Step]) -> list[Step]:
    out: list[Step] = []
    for step in steps:
        if step not in out:
            out.append(step)
    return out
