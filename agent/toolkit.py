"""LangChain tools built from the registry. Each one only forwards to the guard: the model proposes, the
guard decides. Who is calling comes from the turn's context, never from the model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain.tools import ToolRuntime
from langchain_core.tools import BaseTool, StructuredTool

from paas.access import Principal
from tools import Guard, Tool


@dataclass(frozen=True)
class TurnContext:
    """Per-turn context handed to every tool call (LangGraph runtime context)."""

    principal: Principal
    conversation: str


def langchain_tool(guard: Guard, tool: Tool) -> BaseTool:
    """A LangChain tool whose body is one guarded call; it returns the outcome as JSON data."""

    def call(runtime: ToolRuntime[TurnContext], **kwargs: Any) -> str:
        context = runtime.context
        outcome = guard.call(context.principal, tool.name, kwargs, conversation=context.conversation)
        return outcome.to_json()

    description = tool.description + (" Needs human approval: returns approval_required." if tool.mutating else "")
    # A JSON-schema dict (not the pydantic model): the model sees the full schema, and the guard, not
    # LangChain, validates what the model sent, so a bad call is recorded and explained like any other.
    return StructuredTool.from_function(func=call, name=tool.name, description=description,
                                        args_schema=tool.json_schema())


def build_tools(guard: Guard) -> list[BaseTool]:
    return [langchain_tool(guard, tool) for tool in guard.registry]
