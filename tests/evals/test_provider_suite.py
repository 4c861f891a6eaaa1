"""The shipped suite through the real OpenAI and Anthropic adapters, against local wire-format servers whose
replies come from the offline planner. This tests the harness and the adapters, not model quality."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from agent.models import make_chat_model
from agent.offline import OfflinePlanner
from agent.testing import FakeAnthropicServer, FakeOpenAIServer
from evals.cases import load_cases
from evals.report import build_report
from evals.runner import RunSpec, run_cases
from integrations.runtime import Runtime
from paas.provider_settings import ProviderSettings
from paas.settings import Settings
from tests.evals.replay import planner_step

ROOT = Path(__file__).resolve().parents[2]
SERVERS = {"openai:gpt-4o-mini": FakeOpenAIServer, "anthropic:claude-haiku-4-5": FakeAnthropicServer}
MAX_CALLS_PER_CASE = 60


@pytest.mark.parametrize("name", SERVERS)
def test_shipped_suite_runs_through_the_provider_adapter(name: str) -> None:
    servers: list[Any] = []

    def factory(runtime: Runtime) -> Any:
        backend = runtime.platform.backend
        step = planner_step(OfflinePlanner(catalog=backend.state))
        server = SERVERS[name]([step] * MAX_CALLS_PER_CASE).start()
        servers.append(server)
        settings = ProviderSettings(openai_api_key="sk-test", anthropic_api_key="sk-ant-test", max_retries=0,
                                    openai_base_url=server.base_url, anthropic_base_url=server.base_url)
        return make_chat_model(name, settings)

    cases = load_cases(ROOT / "evals" / "cases")
    try:
        [results] = run_cases(cases, Settings.load(), RunSpec(name, factory, workers=4))
    finally:
        for server in servers:
            server.stop()
    summary = build_report(name, [results])["summary"]
    gate = tomllib.loads((ROOT / "evals" / "thresholds.toml").read_text())
    assert summary["crashed"] == 0, [r.error for r in results if r.error]
    assert summary["unsafe_actions"] == 0
    assert summary["pass_rate"] >= gate["min_pass_rate"], [(r.case_id, r.failures) for r in results if not r.passed]
    assert summary["tokens"] > 0  # usage came back over the wire
    assert sum(len(s.requests) for s in servers) >= len(cases)
