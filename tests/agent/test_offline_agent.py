"""The offline planner runs unchanged inside LangChain's agent loop (create_agent + tools + checkpointer)."""

from __future__ import annotations

import json

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from agent.offline import OfflinePlanner
from agent.offline.testing import STUB_TOOLS, demo_state


def build_agent():
    model = OfflinePlanner(catalog=demo_state)
    return create_agent(model, list(STUB_TOOLS), system_prompt="You are the ops agent.", checkpointer=InMemorySaver())


def ask(agent, thread: str, text: str) -> list:
    state = agent.invoke({"messages": [HumanMessage(text)]}, {"configurable": {"thread_id": thread}})
    return state["messages"]


def test_mutation_stops_at_approval_inside_the_agent() -> None:
    messages = ask(build_agent(), "t1", "scale checkout in staging to 5 replicas")
    calls = [c for m in messages if isinstance(m, AIMessage) for c in m.tool_calls]
    assert [(c["name"], c["args"]) for c in calls] == [
        ("scale_app", {"app": "checkout", "environment": "staging", "replicas": 5})]
    result = json.loads(next(m for m in messages if isinstance(m, ToolMessage)).content)
    assert result["status"] == "approval_required"
    final = messages[-1]
    assert isinstance(final, AIMessage) and not final.tool_calls
    assert "apr_0001" in final.content and "checkout/staging: replicas -> 5" in final.content


def test_reads_and_follow_ups_across_invocations() -> None:
    agent = build_agent()
    first = ask(agent, "t2", "status of web and payments")
    assert "web in staging runs v1.4.2 with 2/2 replicas ready; healthy." in first[-1].content
    second = ask(agent, "t2", "what's the error rate of payments in prod over the last 30 minutes")
    assert second[-1].content == "error_rate for payments/prod over the last 30m: last 0.3%, max 0.5%, mean 0.3%."
    third = ask(agent, "t2", "and in staging?")
    last_call = [c for m in third if isinstance(m, AIMessage) for c in m.tool_calls][-1]
    assert last_call["args"] == {"app": "payments", "environment": "staging", "metric": "error_rate", "window": "30m"}
