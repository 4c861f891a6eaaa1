"""Turn a step into tool arguments checked against the live catalog, or into a question when that fails.

Questions name the options ("Which environment for checkout: staging or prod?"). Nothing is guessed: an
environment is only filled in without asking when the app runs in exactly one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent.offline.steps import Step
from agent.offline.toolbox import Param, ToolSpec
from paas.metrics import METRICS
from paas.state import PlatformState

QUERY_PREFIX = re.compile(
    r"^(?:please\s+|can you\s+|could you\s+)*(?:search|look up|look for|find|check|grep|query|show me)?\s*"
    r"(?:in\s+|through\s+)?(?:the\s+)?(?:runbooks?|docs|documentation|knowledge base|kb|playbooks?|wiki)?\s*"
    r"(?:for|about|on|regarding)?\s+",
)


@dataclass(frozen=True)
class Ask:
    """A question (or explanation) instead of a tool call."""

    text: str


@dataclass(frozen=True)
class Resolved:
    name: str
    args: dict[str, Any]
    mutates: bool


def options(values: list[str], conj: str = "or") -> str:
    values = list(values)
    if len(values) <= 1:
        return "".join(values)
    return f"{', '.join(values[:-1])} {conj} {values[-1]}"


ENV_RANK = {"dev": 0, "development": 0, "test": 1, "qa": 1, "stage": 2, "staging": 2, "prod": 3, "production": 3}


def env_order(envs: list[str]) -> list[str]:
    """Environments in promotion order (dev, qa, staging, prod), others alphabetically after them."""
    return sorted(envs, key=lambda e: (ENV_RANK.get(e, 4), e))


def version_key(version: str) -> tuple[tuple[int, ...], str]:
    return tuple(int(n) for n in re.findall(r"\d+", version)), version


class Resolver:
    """Resolves steps for one tool against one snapshot of the platform."""

    def __init__(self, state: PlatformState) -> None:
        self.state = state

    def resolve(self, step: Step, tool: ToolSpec) -> Resolved | Ask:
        values: dict[str, Any] = {}
        for param in tool.ordered():
            value = self._value(param, step, values)
            if isinstance(value, Ask):
                return value
            if value is not None:
                values[param.kind if param.kind != "other" else param.name] = value
        args = {p.name: values[k] for p in tool.params if (k := _key(p)) in values}
        return Resolved(tool.name, args, tool.mutates)

    def _value(self, param: Param, step: Step, values: dict[str, Any]) -> Any:
        resolver: Callable[..., Any] = getattr(self, f"_{param.kind}", self._other)
        value = resolver(param, step, values)
        if value is None and param.default is not None:
            return param.default
        return value

    # one method per slot kind -----------------------------------------------------------------------------

    def _app(self, param: Param, step: Step, values: dict[str, Any]) -> str | Ask | None:
        apps = self.state.app_names
        if step.app and step.app in apps:
            return step.app
        if step.app:
            return Ask(f"I don't know an app called '{step.app}'. Which app do you mean: {options(apps)}?")
        if step.maybe_apps:
            return Ask(f"Did you mean {options(list(step.maybe_apps))}?")
        if not param.required:
            return None
        return Ask(f"Which app do you mean: {options(apps)}?" if apps else "There are no apps on the platform yet.")

    def _env(self, param: Param, step: Step, values: dict[str, Any]) -> str | Ask | None:
        app = values.get("app")
        envs = env_order(self.state.environments_of(app) if app else self.state.environments)
        if step.env and (step.env in envs or not app):
            return step.env
        if step.env and not step.soft_env:
            return Ask(f"{app} does not run in {step.env}; it runs in {options(envs, 'and')}. Which environment?")
        if not param.required:
            return None
        if len(envs) == 1:
            return envs[0]
        if not envs:
            return Ask(f"{app} is not running in any environment yet. Which environment do you mean?")
        return Ask(f"Which environment for {app}: {options(envs)}?" if app else
                   f"Which environment: {options(envs)}?")

    def _version(self, param: Param, step: Step, values: dict[str, Any]) -> str | Ask | None:
        app, env = values.get("app"), values.get("env")
        known = sorted(self.state.releases.get(app, {}), key=version_key) if app else []
        if step.version is None and step.source_env:
            return self._version_in(app, step.source_env)
        if step.version is None:
            return self._missing_version(param, app, env, known)
        if step.version == "latest" and known:
            return known[-1]
        if step.version == "previous":
            return self._previous(param, app, env)
        matches = _match_version(step.version, known)
        if len(matches) == 1:
            return matches[0]
        if matches:
            return Ask(f"Which version of {app}: {options(matches)}?")
        listed = ", ".join(known) or "none"
        return Ask(f"{app} has no version {step.version} (known versions: {listed}). Which version do you mean?")

    def _version_in(self, app: str | None, env: str) -> str | Ask:
        """The version ``app`` runs in ``env`` (the source of a promotion)."""
        current = self.state.apps.get((str(app), env))
        if current and current.version:
            return current.version
        return Ask(f"{app} does not run anything in {env}. Which version should I deploy?")

    def _missing_version(self, param: Param, app: str | None, env: str | None, known: list[str]) -> Ask | None:
        if not param.required:
            return None
        where = f" to {env}" if env else ""
        listed = ", ".join(known) or "none"
        return Ask(f"Known versions of {app}: {listed}. Which one should I deploy{where}?")

    def _previous(self, param: Param, app: str | None, env: str | None) -> str | Ask | None:
        if not param.required:
            return None  # a rollback without a version goes to the previous one
        current = self.state.apps.get((app, env)) if app and env else None
        if current and current.history:
            return current.history[-1]
        return Ask(f"{app}/{env} has no previous version on record. Which version should I deploy?")

    def _replicas(self, param: Param, step: Step, values: dict[str, Any]) -> int | Ask | None:
        current = self.state.apps.get((str(values.get("app")), str(values.get("env"))))
        where = f"{values.get('app')} in {values.get('env')}"
        source = self.state.apps.get((str(values.get("app")), step.source_env or ""))
        if step.replicas is None and source is not None:
            return source.replicas  # "scale worker in staging to match prod"
        if step.replicas is None:
            now = f"{where} has {current.replicas} replica(s) now. " if current else ""
            return Ask(f"{now}How many should {where} have?") if param.required else None
        if not step.replicas.relative:
            return step.replicas.value
        if current is None:
            return Ask(f"I can't tell how many replicas {where} has now. How many should it have?")
        return step.replicas.apply(current.replicas)

    def _metric(self, param: Param, step: Step, values: dict[str, Any]) -> str | Ask | None:
        allowed = list(param.enum) or list(METRICS)
        if step.metric in allowed:
            return step.metric
        if not param.required:
            return None
        where = f" for {values['app']}/{values['env']}" if values.get("env") else ""
        return Ask(f"Which metric{where}: {options(allowed)}?")

    def _window(self, param: Param, step: Step, values: dict[str, Any]) -> str | None:
        return step.window

    def _strategy(self, param: Param, step: Step, values: dict[str, Any]) -> str | None:
        return step.strategy if not param.enum or step.strategy in param.enum else None

    def _status(self, param: Param, step: Step, values: dict[str, Any]) -> str | None:
        return step.status if not param.enum or step.status in param.enum else None

    def _limit(self, param: Param, step: Step, values: dict[str, Any]) -> int | None:
        return step.limit

    def _query(self, param: Param, step: Step, values: dict[str, Any]) -> str | Ask | None:
        text = QUERY_PREFIX.sub("", (step.query or "").strip().rstrip("?.!")).strip()
        if text:
            return text
        return Ask("What should I search for?") if param.required else None

    def _request(self, param: Param, step: Step, values: dict[str, Any]) -> str | Ask | None:
        if step.request:
            return step.request
        if not param.required:
            return None
        return Ask("I can list the pending approvals or look one up by its id (apr_...). Which request do you mean?")

    def _other(self, param: Param, step: Step, values: dict[str, Any]) -> Ask | None:
        if param.required:
            return Ask(f"What {param.name.replace('_', ' ')} should I use?")
        return None


def _key(param: Param) -> str:
    return param.kind if param.kind != "other" else param.name


def _match_version(said: str, known: list[str]) -> list[str]:
    bare = said.lower().lstrip("v")
    exact = [v for v in known if v.lower().lstrip("v") == bare]
    if exact:
        return exact
    return [v for v in known if v.lower().lstrip("v").startswith(bare + ".")]
