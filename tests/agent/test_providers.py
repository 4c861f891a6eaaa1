"""The model registry against local servers speaking the OpenAI and Anthropic wire formats."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.callbacks import get_usage_metadata_callback
from langchain_core.exceptions import ModelError as LangChainModelError
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import SecretStr

from agent.fake_servers import FakeProviderServer
from agent.models import make_chat_model, provider_error
from agent.testing import (
    FakeAnthropicServer,
    FakeOpenAIServer,
    ScriptedChatModel,
    ScriptedError,
    ScriptedReply,
    tool_call_reply,
)
from agent.usage import TokenUsage, cost_usd, price_for, usage_of
from paas.errors import ModelError
from paas.provider_settings import ProviderSettings
from paas.settings import Settings

SCALE = ScriptedReply(
    text="Scaling checkout.",
    tool_calls=[("scale_app", {"app": "checkout", "environment": "staging", "replicas": 5})],
    input_tokens=321,
    output_tokens=45,
)
DONE = ScriptedReply(text="checkout/staging now runs 5 replicas.", input_tokens=400, output_tokens=12)
PROVIDERS = {
    "openai": (FakeOpenAIServer, "openai:gpt-4o", "call_1_0"),
    "anthropic": (FakeAnthropicServer, "anthropic:claude-haiku-4-5", "toolu_1_0"),
}


@tool
def scale_app(app: str, environment: str, replicas: int) -> str:
    """Scale an application to a number of replicas.

    Args:
        app: Application name.
        environment: Environment name.
        replicas: Wanted replicas.
    """
    return f"{app}/{environment} scaled to {replicas}"


def _settings(server: FakeProviderServer, **overrides: Any) -> ProviderSettings:
    values: dict[str, Any] = {
        "openai_api_key": "sk-test",
        "openai_base_url": server.base_url,
        "anthropic_api_key": "sk-ant-test",
        "anthropic_base_url": server.base_url,
        "max_retries": 0,
        "timeout_seconds": 10,
    }
    return ProviderSettings(**(values | overrides))


def _call(model: Any, messages: list[BaseMessage] | str, *, stream: bool) -> AIMessage:
    if not stream:
        return model.invoke(messages)
    merged: AIMessageChunk | None = None
    for chunk in model.stream(messages):
        merged = chunk if merged is None else merged + chunk
    assert merged is not None
    return merged


@pytest.fixture(params=["openai", "anthropic"])
def provider(request: pytest.FixtureRequest) -> Iterator[tuple[Any, str, str]]:
    server_class, name, first_id = PROVIDERS[request.param]
    with server_class([SCALE, DONE]) as server:
        yield server, name, first_id


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
def test_tool_call_is_parsed_with_name_args_and_id(provider: tuple[Any, str, str], stream: bool) -> None:
    server, name, first_id = provider
    model = make_chat_model(name, _settings(server)).bind_tools([scale_app])

    reply = _call(model, "scale checkout in staging to 5", stream=stream)

    assert reply.tool_calls == [
        {
            "name": "scale_app",
            "args": {"app": "checkout", "environment": "staging", "replicas": 5},
            "id": first_id,
            "type": "tool_call",
        }
    ]
    # ChatAnthropic leaves "stream" out of the body when not streaming.
    assert server.requests[0].get("stream", False) is stream


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
def test_usage_and_model_name_are_reported(provider: tuple[Any, str, str], stream: bool) -> None:
    server, name, _ = provider
    model = make_chat_model(name, _settings(server)).bind_tools([scale_app])

    with get_usage_metadata_callback() as usage:
        reply = _call(model, "scale checkout", stream=stream)

    assert reply.usage_metadata is not None
    assert (reply.usage_metadata["input_tokens"], reply.usage_metadata["output_tokens"]) == (321, 45)
    assert reply.response_metadata["model_name"] == name.partition(":")[2]
    assert usage_of(reply) == TokenUsage(321, 45)
    assert usage.usage_metadata[name.partition(":")[2]]["total_tokens"] == 366


@pytest.mark.parametrize("stream", [False, True], ids=["ainvoke", "astream"])
def test_async_calls_parse_tool_calls_and_usage(provider: tuple[Any, str, str], stream: bool) -> None:
    server, name, first_id = provider
    model: Any = make_chat_model(name, _settings(server)).bind_tools([scale_app])

    async def call() -> AIMessage:
        if not stream:
            return await model.ainvoke("scale checkout")
        merged: AIMessageChunk | None = None
        async for chunk in model.astream("scale checkout"):
            merged = chunk if merged is None else merged + chunk
        assert merged is not None
        return merged

    reply = asyncio.run(call())

    assert [(c["name"], c["id"]) for c in reply.tool_calls] == [("scale_app", first_id)]
    assert usage_of(reply) == TokenUsage(321, 45)


def test_real_provider_code_drives_create_agent_with_streaming(provider: tuple[Any, str, str]) -> None:
    server, name, _ = provider
    agent = create_agent(make_chat_model(name, _settings(server)), [scale_app], system_prompt="Be brief.")

    streamed = [
        message.text
        for message, _meta in agent.stream(
            {"messages": [HumanMessage("scale checkout")]}, stream_mode="messages"
        )
        if isinstance(message, AIMessageChunk)
    ]

    assert "".join(streamed) == SCALE.text + DONE.text
    assert all(request["stream"] is True for request in server.requests)
    assert "checkout/staging scaled to 5" in json.dumps(server.requests[1]["messages"])
    assert server.remaining == 0


def test_openai_tools_are_declared_and_tool_result_sent_back() -> None:
    with FakeOpenAIServer([SCALE, DONE]) as server:
        model = make_chat_model("openai:gpt-4o", _settings(server)).bind_tools([scale_app])
        first = model.invoke("scale checkout in staging to 5")
        result = ToolMessage("checkout/staging scaled to 5", tool_call_id=first.tool_calls[0]["id"])
        final = model.invoke([HumanMessage("scale checkout in staging to 5"), first, result])

    assert final.content == DONE.text
    declared = server.requests[0]["tools"][0]
    assert declared["type"] == "function"
    assert declared["function"]["name"] == "scale_app"
    assert set(declared["function"]["parameters"]["properties"]) == {"app", "environment", "replicas"}
    assistant, tool_message = server.requests[1]["messages"][1:]
    assert assistant["role"] == "assistant"
    assert assistant["tool_calls"][0]["id"] == "call_1_0"
    assert assistant["tool_calls"][0]["function"]["name"] == "scale_app"
    assert tool_message == {
        "role": "tool",
        "tool_call_id": "call_1_0",
        "content": "checkout/staging scaled to 5",
    }


def test_anthropic_tools_are_declared_and_tool_result_sent_back() -> None:
    with FakeAnthropicServer([SCALE, DONE]) as server:
        model = make_chat_model("anthropic:claude-haiku-4-5", _settings(server)).bind_tools([scale_app])
        first = model.invoke("scale checkout in staging to 5")
        result = ToolMessage("checkout/staging scaled to 5", tool_call_id=first.tool_calls[0]["id"])
        final = model.invoke([HumanMessage("scale checkout in staging to 5"), first, result])

    assert final.text == DONE.text
    declared = server.requests[0]["tools"][0]
    assert declared["name"] == "scale_app"
    assert set(declared["input_schema"]["properties"]) == {"app", "environment", "replicas"}
    assistant, tool_result = server.requests[1]["messages"][1:]
    assert assistant["role"] == "assistant"
    tool_use = assistant["content"][-1]
    assert (tool_use["type"], tool_use["id"], tool_use["name"]) == ("tool_use", "toolu_1_0", "scale_app")
    assert tool_result["role"] == "user"
    block = tool_result["content"][0]
    assert (block["type"], block["tool_use_id"]) == ("tool_result", "toolu_1_0")
    assert block["content"] == "checkout/staging scaled to 5"


@pytest.mark.parametrize("server_class", [FakeOpenAIServer, FakeAnthropicServer])
def test_a_callable_step_answers_from_the_request(server_class: type[FakeProviderServer]) -> None:
    def echo_last_user_text(body: dict[str, Any]) -> ScriptedReply:
        content = body["messages"][-1]["content"]
        text = content if isinstance(content, str) else content[0]["text"]
        return ScriptedReply(text=f"you said: {text}")

    with server_class([echo_last_user_text]) as server:
        name = "openai:gpt-4o" if server_class is FakeOpenAIServer else "anthropic:claude-haiku-4-5"
        reply = _call(make_chat_model(name, _settings(server)), "hello there", stream=True)

    assert reply.text == "you said: hello there"


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
@pytest.mark.parametrize("server_class", [FakeOpenAIServer, FakeAnthropicServer])
def test_rejected_key_becomes_a_model_error_naming_the_setting(
    server_class: type[FakeProviderServer], stream: bool
) -> None:
    name = "openai:gpt-4o" if server_class is FakeOpenAIServer else "anthropic:claude-haiku-4-5"
    with (
        server_class([ScriptedError(401, "invalid x-api-key")]) as server,
        pytest.raises(LangChainModelError) as raised,
    ):
        _call(make_chat_model(name, _settings(server)), "hi", stream=stream)

    error = provider_error(raised.value, name)
    assert isinstance(error, ModelError)
    assert f"PAAS_PROVIDERS__{name.partition(':')[0].upper()}_API_KEY" in str(error)


@pytest.mark.parametrize("name", ["openai:gpt-4o", "anthropic:claude-haiku-4-5"])
def test_unreachable_provider_becomes_a_model_error(name: str) -> None:
    with FakeOpenAIServer() as server:
        settings = _settings(server)  # the port is free again once the server stops
    with pytest.raises(LangChainModelError) as raised:
        make_chat_model(name, settings).invoke("hi")

    assert "cannot reach the provider" in str(provider_error(raised.value, name))


def test_server_error_status_is_in_the_model_error() -> None:
    with (
        FakeAnthropicServer([ScriptedError(529, "Overloaded")]) as server,
        pytest.raises(LangChainModelError) as raised,
    ):
        make_chat_model("anthropic:claude-haiku-4-5", _settings(server)).invoke("hi")

    assert "529" in str(provider_error(raised.value, "anthropic:claude-haiku-4-5"))


def test_exhausted_script_answers_an_error_that_is_not_retried() -> None:
    with FakeOpenAIServer([]) as server:
        model = make_chat_model("openai:gpt-4o", _settings(server, max_retries=3))
        with pytest.raises(LangChainModelError, match="exhausted"):
            model.invoke("hi")

    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("name", "setting"),
    [
        ("openai:gpt-4o", "PAAS_PROVIDERS__OPENAI_API_KEY"),
        ("anthropic:claude-haiku-4-5", "PAAS_PROVIDERS__ANTHROPIC_API_KEY"),
        ("compatible:qwen2.5", "PAAS_PROVIDERS__COMPATIBLE_BASE_URL"),
    ],
)
def test_missing_setting_raises_model_error_naming_it(name: str, setting: str) -> None:
    with pytest.raises(ModelError, match=setting) as raised:
        make_chat_model(name, ProviderSettings())

    assert "--model offline" in str(raised.value)


@pytest.mark.parametrize("name", ["gemini:pro", "gpt-4o", "", "openai:"])
def test_unknown_or_incomplete_name_raises_model_error(name: str) -> None:
    with pytest.raises(ModelError) as raised:
        make_chat_model(name, ProviderSettings(openai_api_key=SecretStr("sk-test")))

    message = str(raised.value)
    assert "openai:<model>" in message or "names no model" in message
    if ":" not in name:
        assert all(f"{prefix}:<model>" in message for prefix in ("anthropic", "ollama", "compatible"))


def test_offline_uses_the_factory_it_is_given() -> None:
    planner = ScriptedChatModel(replies=["hi"], model_name="offline")

    assert make_chat_model("offline", ProviderSettings(), offline_factory=lambda: planner) is planner
    with pytest.raises(ModelError, match="offline"):
        make_chat_model("offline", ProviderSettings())


def test_ollama_talks_chat_completions_to_the_configured_base_url() -> None:
    with FakeOpenAIServer([SCALE]) as server:
        model = make_chat_model("ollama:llama3.1:8b", ProviderSettings(ollama_base_url=server.base_url))
        reply = model.bind_tools([scale_app]).invoke("scale checkout")

    assert reply.tool_calls[0]["name"] == "scale_app"
    assert server.requests[0]["model"] == "llama3.1:8b"
    assert server.received[0].headers["authorization"] == "Bearer not-needed"


def test_compatible_uses_its_base_url_and_key_even_for_responses_only_model_names() -> None:
    with FakeOpenAIServer([DONE, DONE]) as server:
        settings = ProviderSettings(
            compatible_base_url=server.base_url, compatible_api_key=SecretStr("sk-local")
        )
        model = make_chat_model("compatible:gpt-5-pro", settings)
        assert model.invoke("hi").text == DONE.text
        streamed = _call(model, "hi", stream=True)

    assert usage_of(streamed) == TokenUsage(DONE.input_tokens, DONE.output_tokens)

    assert [request.path for request in server.received] == ["/v1/chat/completions"] * 2
    assert server.received[0].headers["authorization"] == "Bearer sk-local"


def test_provider_settings_come_from_paas_providers_env_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAAS_MODEL", "openai:gpt-4o")
    monkeypatch.setenv("PAAS_PROVIDERS__OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("PAAS_PROVIDERS__PRICES", '{"my-model": [1, 2]}')

    root = Settings.load()
    settings = root.providers

    assert root.model == "openai:gpt-4o"
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == "sk-from-env"
    assert settings.prices["my-model"] == (1.0, 2.0)
    assert settings.prices["gpt-4o"] == (2.5, 10.0)  # defaults kept


def test_cost_uses_registry_provider_and_snapshot_names() -> None:
    prices = ProviderSettings().prices

    assert cost_usd("openai:gpt-4o", 1_000_000, 1_000_000, prices) == pytest.approx(12.5)
    assert cost_usd("gpt-4o-mini-2024-07-18", 2_000_000, 0, prices) == pytest.approx(0.30)
    assert price_for("claude-sonnet-4-5-20250929", prices) == (3.0, 15.0)
    assert cost_usd("ollama:llama3.1:8b", 10_000, 10_000, prices) == 0.0
    assert price_for("compatible:some-model", prices) is None
    assert cost_usd("compatible:some-model", 10, 10, prices) == 0.0


def test_scripted_chat_model_drives_create_agent() -> None:
    calls: list[dict[str, Any]] = []

    @tool
    def get_status(app: str) -> str:
        """Report an application's status.

        Args:
            app: Application name.
        """
        calls.append({"app": app})
        return f"{app}: 3 replicas, healthy"

    def summarise(messages: list[BaseMessage]) -> str:
        return f"Status: {messages[-1].content}"

    model = ScriptedChatModel(replies=[tool_call_reply(("get_status", {"app": "checkout"})), summarise])
    agent = create_agent(model, [get_status], system_prompt="You are an ops agent.")

    with get_usage_metadata_callback() as usage:
        state = agent.invoke({"messages": [HumanMessage("how is checkout?")]})

    assert calls == [{"app": "checkout"}]
    assert state["messages"][-1].content == "Status: checkout: 3 replicas, healthy"
    tool_message = state["messages"][2]
    assert isinstance(tool_message, ToolMessage) and tool_message.tool_call_id == "call_1_0"
    assert [spec["function"]["name"] for spec in model.tools] == ["get_status"]
    assert usage.usage_metadata["scripted"]["input_tokens"] > 0
    assert model.remaining == 0


def test_scripted_chat_model_says_when_its_script_runs_out() -> None:
    model: BaseChatModel = ScriptedChatModel(replies=["only one"])

    assert model.invoke("a").text == "only one"
    with pytest.raises(ModelError, match="no reply left"):
        model.invoke("b")
