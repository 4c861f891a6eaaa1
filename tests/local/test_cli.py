"""`paas up --demo --detach`, `paas load` and `paas down` through the real command line."""

from __future__ import annotations

import random
import re
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

from integrations.cli.engine_commands import engine_app
from paas.catalog import DEMO_CATALOG, load_catalog
from paas.errors import BackendError
from paas.local.daemon import import_demo
from paas.local.paths import EnginePaths
from paas.store import open_store

from .conftest import replica_pids


@pytest.fixture
def cli_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path / ".paas"
    start = random.randrange(20000, 50000, 100)
    monkeypatch.setenv("PAAS_STATE_DIR", str(state))
    monkeypatch.setenv("PAAS_LOCAL__ENGINE_PORT", "0")
    monkeypatch.setenv("PAAS_LOCAL__PROXY_PORT_START", str(start))
    monkeypatch.setenv("PAAS_LOCAL__PROXY_PORT_END", str(start + 99))
    return state


def test_demo_comes_up_detached_takes_load_and_goes_down(cli_state: Path) -> None:
    runner = CliRunner()
    try:
        up = runner.invoke(engine_app, ["up", "--demo", "--detach"])
        assert up.exit_code == 0, up.output
        demo = load_catalog(DEMO_CATALOG).apps
        for app in (a for a in demo if a.environment == "prod"):
            n = app.replicas
            assert re.search(rf"{app.name}\s+prod\s+\S+\s+{n}/{n}\s+healthy\s+http://127\.0\.0\.1:\d+", up.output), \
                up.output
        assert len(replica_pids(EnginePaths(cli_state))) == sum(a.replicas for a in demo)
        load = runner.invoke(engine_app, ["load", "checkout", "--env", "prod", "--rps", "20", "--duration", "2s"])
        assert load.exit_code == 0, load.output
        sent, rate, failed = load.output.splitlines()[1].split()[:3]
        assert int(sent) == 40 and failed == "0"
    finally:
        down = runner.invoke(engine_app, ["down"])
    assert "Stopped the engine" in down.output
    assert replica_pids(EnginePaths(cli_state)) == set()
    assert not [p for p in psutil.process_iter(["cmdline"]) if str(cli_state) in " ".join(p.info["cmdline"] or [])]
    assert "No engine is running" in runner.invoke(engine_app, ["down"]).output


def test_load_without_a_running_engine_says_how_to_start_one(cli_state: Path) -> None:
    cli_state.mkdir()
    store = open_store(f"sqlite:///{cli_state / 'paas.db'}")
    import_demo(store)
    store.close()
    result = CliRunner().invoke(engine_app, ["load", "web", "--env", "prod"])
    assert isinstance(result.exception, BackendError)
    assert "start it with `paas up`" in str(result.exception)
