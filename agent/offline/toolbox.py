"""The tools bound to the planner, read from their OpenAI-format specs: parameters and the slot each one takes.

A parameter's slot kind comes from its name (``app``, ``environment``, ``window`` ...), so a new tool whose
arguments use the usual names needs no code here; only a new kind of argument does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ARG_KINDS: dict[str, str] = {
    "app": "app", "application": "app", "app_name": "app", "service": "app",
    "environment": "env", "env": "env",
    "version": "version", "release": "version",
    "replicas": "replicas",
    "metric": "metric", "metric_name": "metric",
    "window": "window", "duration": "window", "horizon": "window", "lookback": "window", "period": "window",
    "strategy": "strategy",
    "status": "status",
    "limit": "limit", "top_k": "limit", "k": "limit", "count": "limit",
    "query": "query", "question": "query", "text": "query", "topic": "query",
    "request_id": "request", "approval_id": "request",
}
KIND_ORDER = ("app", "env", "version", "replicas", "metric", "window", "strategy", "status", "limit", "query",
              "request")
MUTATING_PREFIXES = ("deploy", "scale", "rollback", "restart", "delete", "create", "update", "set_")


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # one of KIND_ORDER, or "other"
    required: bool
    default: Any = None
    enum: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    params: tuple[Param, ...]

    def param(self, kind: str) -> Param | None:
        return next((p for p in self.params if p.kind == kind), None)

    def needs(self, kind: str) -> bool:
        param = self.param(kind)
        return bool(param and param.required)

    def ordered(self) -> list[Param]:
        rank = {kind: i for i, kind in enumerate(KIND_ORDER)}
        return sorted(self.params, key=lambda p: rank.get(p.kind, len(rank)))

    @property
    def mutates(self) -> bool:
        return self.name.startswith(MUTATING_PREFIXES)


class Toolbox:
    """The tools available in this call, by name."""

    def __init__(self, tools: Iterable[ToolSpec]) -> None:
        self.tools = {tool.name: tool for tool in tools}

    @classmethod
    def from_openai(cls, specs: Iterable[Mapping[str, Any]] | None) -> Toolbox:
        return cls(_tool(spec) for spec in specs or ())

    def get(self, name: str) -> ToolSpec | None:
        return self.tools.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self.tools

    def names(self) -> list[str]:
        return list(self.tools)


def _tool(spec: Mapping[str, Any]) -> ToolSpec:
    function = spec.get("function", spec)
    schema = function.get("parameters") or {}
    required = set(schema.get("required", []))
    params = tuple(_param(name, body, name in required) for name, body in schema.get("properties", {}).items())
    return ToolSpec(function["name"], function.get("description", ""), params)


def _param(name: str, body: Mapping[str, Any], required: bool) -> Param:
    enum: list[str] = body.get("enum") or next((b["enum"] for b in body.get("anyOf", []) if "enum" in b), [])
    return Param(name, ARG_KINDS.get(name, "other"), required, body.get("default"), tuple(enum))
