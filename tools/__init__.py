"""The guarded toolset: one registry of typed tools and the guard every call passes through."""

from tools import app_tools, audit_tools  # noqa: F401  (register the tools)
from tools.guard import Guard
from tools.outcome import ToolOutcome
from tools.policy import PolicyEngine
from tools.registry import Registry, Tool, ToolContext, ToolOutput
from tools.toolset import registry

__all__ = ["Guard", "PolicyEngine", "Registry", "Tool", "ToolContext", "ToolOutcome", "ToolOutput", "registry"]
