"""The registry of typed tools. A tool is its docstring: the schema comes from the typed signature, the
description and argument help from the Google-style docstring, and the risk is declared once.

Read tools return a ``ToolOutput``; mutating tools return the ``Change`` they would make, so the guard can
plan it (dry run), hold it for approval and execute it later: nothing mutating runs inside a tool function.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from paas.access import Permission, Principal
from paas.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from paas.ports import Backend, MetricsSource
    from paas.store import EventStore

Risk = Literal["read", "mutate"]


@dataclass(frozen=True)
class ToolOutput:
    """What a read tool returns: one readable sentence and the data behind it."""

    summary: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ToolContext:
    """What tool functions may use. Built by the guard for each call."""

    backend: Backend
    metrics: MetricsSource
    store: EventStore
    principal: Principal
    now: datetime


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args_model: type[BaseModel]
    risk: Risk
    permission: Permission
    func: Callable[..., Any]

    @property
    def mutating(self) -> bool:
        return self.risk == "mutate"

    def parse(self, args: dict[str, Any]) -> BaseModel:
        """Validate raw arguments; a ValidationError message names each bad field."""
        from pydantic import ValidationError as PydanticValidationError

        try:
            return self.args_model.model_validate(args or {})
        except PydanticValidationError as err:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'args'}: {e['msg']}" for e in err.errors())
            raise ValidationError(f"invalid arguments for {self.name}: {problems}") from err

    def json_schema(self) -> dict[str, Any]:
        return self.args_model.model_json_schema()


class Registry:
    """Tools by name, in declaration order."""

    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}

    def add(self, tool: Tool) -> Tool:
        if tool.name in self._tools:
            raise ValueError(f"tool {tool.name} is registered twice")
        self._tools[tool.name] = tool
        return tool

    def get(self, name: str) -> Tool:
        if name not in self._tools:
            raise NotFoundError(f"unknown tool '{name}' (tools: {', '.join(self._tools)})")
        return self._tools[name]

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def tool(self, risk: Risk, permission: Permission) -> Callable[[Callable[..., Any]], Tool]:
        """Decorator: register ``func(ctx, **args)`` as a tool named after the function."""

        def decorate(func: Callable[..., Any]) -> Tool:
            description, arg_help = parse_docstring(func.__doc__ or "")
            model = args_model_for(func, arg_help)
            return self.add(Tool(func.__name__, description, model, risk, permission, func))

        return decorate


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """Split a Google-style docstring into its description and its ``Args:`` entries."""
    doc = inspect.cleandoc(doc)
    head, _, rest = doc.partition("\nArgs:\n")
    args: dict[str, str] = {}
    current = None
    for line in rest.splitlines():
        match = re.match(r"^\s{2,4}(\w+)(?: \([^)]*\))?:\s*(.*)$", line)
        if match:
            current = match.group(1)
            args[current] = match.group(2).strip()
        elif current and line.strip() and line.startswith(" " * 5):
            args[current] += " " + line.strip()
        elif line.strip() and not line.startswith(" "):
            break
    return " ".join(head.split()), args


def args_model_for(func: Callable[..., Any], arg_help: dict[str, str]) -> type[BaseModel]:
    """A pydantic model from the function's parameters after ``ctx``."""
    hints = get_type_hints(func, include_extras=True)
    fields: dict[str, Any] = {}
    for name, param in list(inspect.signature(func).parameters.items())[1:]:
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[name] = (hints[name], Field(default, description=arg_help.get(name)))
    config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    return create_model(f"{func.__name__}_args", __config__=config, **fields)
