"""A fake provider's brain: turn a wire-format request into LangChain messages, ask the offline planner for the
next message, and hand it back as a scripted reply. Lets the whole eval suite run through the real OpenAI and
Anthropic adapters with no LLM (this tests the harness and the adapters, not model quality)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from agent.testing import ScriptedReply


def planner_step(planner: BaseChatModel) -> Callable[[dict[str, Any]], ScriptedReply]:
    def step(body: dict[str, Any]) -> ScriptedReply:
        messages = from_anthropic(body) if "system" in body or _has_blocks(body) else from_openai(body)
        tools = [_openai_tool(t) for t in body.get("tools", [])]
        reply = planner.bind(tools=tools).invoke(messages)
        assert isinstance(reply, AIMessage)
        return ScriptedReply(text=reply.text, tool_calls=[(c["name"], c["args"]) for c in reply.tool_calls])

    return step


def _has_blocks(body: dict[str, Any]) -> bool:
    return any(isinstance(m.get("content"), list) for m in body["messages"])


def _openai_tool(tool: dict[str, Any]) -> dict[str, Any]:
    if tool.get("type") == "function":
        return tool
    return {"type": "function", "function": {"name": tool["name"], "description": tool.get("description", ""),
                                             "parameters": tool.get("input_schema", {})}}


def from_openai(body: dict[str, Any]) -> list[BaseMessage]:
    out: list[BaseMessage] = []
    names: dict[str, str] = {}
    for m in body["messages"]:
        role, content = m["role"], m.get("content") or ""
        if role in ("system", "developer"):
            out.append(SystemMessage(content=content))
        elif role == "user":
            out.append(HumanMessage(content=content))
        elif role == "assistant":
            calls = [{"name": c["function"]["name"], "args": json.loads(c["function"]["arguments"] or "{}"),
                      "id": c["id"]} for c in m.get("tool_calls") or []]
            names.update({c["id"]: c["name"] for c in calls})
            out.append(AIMessage(content=content, tool_calls=calls))
        elif role == "tool":
            out.append(ToolMessage(content=content, tool_call_id=m["tool_call_id"], name=names.get(m["tool_call_id"])))
    return out


def from_anthropic(body: dict[str, Any]) -> list[BaseMessage]:
    system = body.get("system")
    out: list[BaseMessage] = [SystemMessage(content=_text(system))] if system else []
    names: dict[str, str] = {}
    for m in body["messages"]:
        blocks = m["content"] if isinstance(m["content"], list) else [{"type": "text", "text": m["content"]}]
        if m["role"] == "assistant":
            calls = [{"name": b["name"], "args": b.get("input") or {}, "id": b["id"]}
                     for b in blocks if b["type"] == "tool_use"]
            names.update({c["id"]: c["name"] for c in calls})
            out.append(AIMessage(content=_text(blocks), tool_calls=calls))
            continue
        for b in blocks:
            if b["type"] == "tool_result":
                out.append(ToolMessage(content=_text(b["content"]), tool_call_id=b["tool_use_id"],
                                       name=names.get(b["tool_use_id"])))
        text = _text([b for b in blocks if b["type"] == "text"])
        if text:
            out.append(HumanMessage(content=text))
    return out


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content if isinstance(b, dict))
