"""Local HTTP servers that speak the OpenAI and Anthropic wire formats, for testing real provider code."""

from agent.fake_servers.anthropic import FakeAnthropicServer
from agent.fake_servers.openai import FakeOpenAIServer
from agent.fake_servers.script import RecordedRequest, ScriptedError, ScriptedReply, Step, ToolCallSpec
from agent.fake_servers.server import FakeProviderServer

__all__ = [
    "FakeAnthropicServer",
    "FakeOpenAIServer",
    "FakeProviderServer",
    "RecordedRequest",
    "ScriptedError",
    "ScriptedReply",
    "Step",
    "ToolCallSpec",
]
