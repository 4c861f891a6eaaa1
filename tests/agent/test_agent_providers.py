"""The same agent loop through the real OpenAI and Anthropic adapters, against local wire-format servers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.conversations import close_checkpointer, open_checkpointer
from agent.models import make_chat_model
from agent.runtime import Agent, AgentOptions
from agent.testing import FakeAnthropicServer, FakeOpenAIServer, ScriptedReply
from integrations.runtime import Runtime
from paas.provider_settings import ProviderSettings
from tests.guard_cases import domain_events

PROVIDERS = {"openai:gpt-4o-mini": FakeOpenAIServer, "anthropic:claude-haiku-4-5": FakeAnthropicServer}
SCALE = ScriptedReply(tool_calls=[("scale_app", {"app": "checkout", "environment": "staging", "replicas": 5})],
                      input_tokens=120, output_tokens=20)


def tool_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every tool result the model was sent, in either wire format."""
    found = []
    for message in body["messages"]:
        if message.get("role") == "tool":
            found.append(json.loads(message["content"]))
        content = message.get("content")
        for block in content if isinstance(content, list) else []:
            if block.get("type") == "tool_result":
                text = block["content"] if isinstance(block["content"], str) else block["content"][0]["text"]
                found.append(json.loads(text))
    return found


def agent_over(server: Any, name: str, team: Runtime, tmp_path: Path) -> Agent:
    settings = ProviderSettings(openai_api_key="sk-test", openai_base_url=server.base_url,
                                anthropic_api_key="sk-ant-test", anthropic_base_url=server.base_url, max_retries=0)
    saver = open_checkpointer(None, tmp_path / "conversations")
    return Agent(team.guard, make_chat_model(name, settings), name, saver, AgentOptions(prices=settings.prices))


@pytest.mark.parametrize("name", PROVIDERS)
def test_tool_call_approval_and_rejection_through_a_provider(team: Runtime, tmp_path: Path, name: str) -> None:
    with PROVIDERS[name]([SCALE, "It is waiting for approval.", "Understood, I will not retry."]) as server:
        agent = agent_over(server, name, team, tmp_path)
        events = list(agent.run_turn("c1", team.principal(user="alice"), "scale checkout in staging to 5"))
        kinds = [e.kind for e in events]
        assert "approval_required" in kinds and kinds[-2:] == ["final", "usage"]
        usage = events[-1].data
        assert usage["input_tokens"] >= 120 and usage["cost_usd"] > 0
        request = next(e.approval for e in events if e.approval is not None)
        assert team.platform.backend.get_status("checkout", "staging").replicas == 2

        after = list(agent.decide(request.id, False, team.principal(user="bob"), reason="not today"))
        assert after[0].data["status"] == "rejected"
        assert after[-2].kind == "final" and "not retry" in after[-2].text
        close_checkpointer(agent.graph.checkpointer)

    declared = {t.get("name") or t["function"]["name"] for t in server.requests[0]["tools"]}
    assert {"scale_app", "list_apps", "get_approval"} <= declared
    assert [r["status"] for r in tool_results(server.requests[1])] == ["approval_required"]
    last = tool_results(server.requests[2])
    assert last[-1]["status"] == "rejected" and "do not retry" in last[-1]["summary"]
    assert domain_events(team) == []


@pytest.mark.parametrize("name", PROVIDERS)
def test_approved_change_runs_and_the_provider_sees_it(team: Runtime, tmp_path: Path, name: str) -> None:
    script = [SCALE, "Waiting.", "Done: checkout has 5 replicas in staging."]
    with PROVIDERS[name](script) as server:
        agent = agent_over(server, name, team, tmp_path)
        first = list(agent.run_turn("c1", team.principal(user="alice"), "scale to 5"))
        request = next(e.approval for e in first if e.approval is not None)
        events = list(agent.decide(request.id, True, team.principal(user="bob")))
        close_checkpointer(agent.graph.checkpointer)
    assert events[0].data["status"] == "executed"
    assert team.platform.backend.get_status("checkout", "staging").replicas == 5
    assert tool_results(server.requests[2])[-1]["status"] == "executed"
    assert all(r.get("stream") is True for r in server.requests)  # the agent streams tokens


@pytest.mark.parametrize("name", PROVIDERS)
def test_provider_failure_ends_the_turn_with_a_clear_error(team: Runtime, tmp_path: Path, name: str) -> None:
    from agent.testing import ScriptedError

    with PROVIDERS[name]([ScriptedError(401, "bad key")]) as server:
        agent = agent_over(server, name, team, tmp_path)
        events = list(agent.run_turn("c1", team.principal(user="alice"), "list apps"))
        close_checkpointer(agent.graph.checkpointer)
    errors = [e.text for e in events if e.kind == "error"]
    assert errors and "API key" in errors[0]
