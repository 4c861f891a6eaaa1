"""Walk the registry: every tool is documented and typed; every mutating tool is held, planned and audited."""

from __future__ import annotations

import re

import pytest

from integrations.runtime import Runtime
from paas.domain import Change
from tests.guard_cases import EXAMPLES, domain_events
from tools import Tool, registry

TOOLS = list(registry)


@pytest.mark.parametrize("tool", TOOLS, ids=lambda t: t.name)
def test_tool_is_named_documented_and_typed(tool: Tool) -> None:
    assert re.fullmatch(r"[a-z]+_[a-z_]+", tool.name)
    assert tool.description and tool.risk in ("read", "mutate")
    schema = tool.json_schema()
    for name, prop in schema["properties"].items():
        assert prop.get("description"), f"{tool.name}.{name} has no description in its docstring"


@pytest.mark.parametrize("tool", [t for t in TOOLS if t.mutating], ids=lambda t: t.name)
def test_mutating_tool_needs_approval_has_a_plan_and_writes_events(team: Runtime, tool: Tool) -> None:
    example = EXAMPLES[tool.name]
    before = len(team.store.read_all())
    outcome = team.guard.call(team.principal(user="alice"), tool.name, example.args)
    assert outcome.status == "approval_required"
    request = outcome.approval
    assert request is not None and request.summary and request.diff and request.steps
    assert domain_events(team) == []
    assert [e.type for e in team.store.read_all()[before:]] == ["ApprovalRequested"]
    team.guard.decide(request.id, True, team.principal(user="bob"))
    types = [e.type for e in team.store.read_all()[before:]]
    assert types[1:] == ["ApprovalDecided", domain_events(team)[0], "ToolExecuted"]


@pytest.mark.parametrize("tool", [t for t in TOOLS if t.mutating], ids=lambda t: t.name)
def test_mutating_tool_function_only_describes_the_change(team: Runtime, tool: Tool) -> None:
    change = tool.func(team.guard._context(team.principal()), **dict(tool.parse(EXAMPLES[tool.name].args)))
    assert isinstance(change, Change)
    assert domain_events(team) == []


@pytest.mark.parametrize("tool", [t for t in TOOLS if not t.mutating], ids=lambda t: t.name)
def test_read_tools_are_recorded(team: Runtime, tool: Tool) -> None:
    held = team.guard.call(team.principal(user="alice"), "scale_app", EXAMPLES["scale_app"].args)
    args = {"app": "checkout", "environment": "staging", "metric": "cpu", "request_id": held.approval.id}  # type: ignore[union-attr]
    fields = tool.json_schema()["properties"]
    outcome = team.guard.call(team.principal(user="carol"), tool.name, {k: v for k, v in args.items() if k in fields})
    assert outcome.status == "ok", outcome.summary
    last = team.store.read_all()[-1]
    assert (last.type, last.actor, last.data["tool"]) == ("ToolCalled", "carol", tool.name)
