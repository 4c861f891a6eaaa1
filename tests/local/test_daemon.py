"""The engine as its own process: `paas up` in the foreground or detached, `paas down`, `kill -9` and a
restart that reconciles, and a backend in another process carrying changes out through the engine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from paas.domain import Health, Strategy
from paas.errors import BackendError
from paas.local.backend import LocalBackend
from paas.local.control import running_engine
from paas.local.daemon import UpOptions, start_detached, stop_running
from paas.local.paths import EnginePaths
from paas.local.settings import LocalSettings
from paas.local.supervisor import PROJECT_ROOT
from paas.memory import InMemoryBackend
from paas.store import EventStore

from .conftest import get, register, replica_pids, wait_for


@pytest.fixture
def options(tmp_path: Path, state_dir: Path, settings: LocalSettings) -> UpOptions:
    return UpOptions(state_dir, f"sqlite:///{tmp_path / 'paas.db'}", settings)


@pytest.fixture
def detached(options: UpOptions, store: EventStore) -> Iterator[UpOptions]:
    """web/test with 2 replicas, run by a detached engine; `paas down` afterwards whatever happened."""
    register(store, [{"name": "web", "environment": "test", "version": "v1", "replicas": 2}])
    yield options
    stop_running(options.state_dir, grace=2)


@pytest.fixture
def client(store: EventStore, options: UpOptions) -> LocalBackend:
    """A backend in this process that talks to the engine in another one."""
    return LocalBackend(store, options.state_dir, options.settings)


def ready(client: LocalBackend, replicas: int) -> bool:
    status = client.get_status("web", "test")
    return status.ready_replicas == replicas and status.health == Health.HEALTHY


def test_engine_killed_with_sigkill_is_reconciled_on_restart(detached: UpOptions, client: LocalBackend,
                                                             store: EventStore) -> None:
    first = start_detached(detached)
    wait_for(lambda: ready(client, 2), 15, "two ready replicas")
    url = client.get_status("web", "test").url
    before = replica_pids(EnginePaths(detached.state_dir))
    os.kill(first.pid, signal.SIGKILL)
    psutil.wait_procs([psutil.Process(first.pid)], timeout=5)
    assert client.get_status("web", "test").health == Health.STOPPED  # nothing answers for the engine
    InMemoryBackend(store).scale("web", "test", 1, "alice")  # the store changes while no engine runs

    second = start_detached(detached)
    wait_for(lambda: ready(client, 1) and len(replica_pids(EnginePaths(detached.state_dir))) == 1, 15,
             "the restarted engine to keep one replica")
    after = replica_pids(EnginePaths(detached.state_dir))
    assert after < before  # one survivor adopted (same process), the other stopped: no orphan
    assert all(not psutil.pid_exists(p) or psutil.Process(p).status() == psutil.STATUS_ZOMBIE for p in before - after)
    assert client.get_status("web", "test").url == url  # the proxy port is stable
    assert get(str(url)).json()["pid"] in after
    assert second.pid != first.pid


def test_down_stops_the_engine_and_every_replica(detached: UpOptions, client: LocalBackend) -> None:
    info = start_detached(detached)
    wait_for(lambda: ready(client, 2), 15, "two ready replicas")
    pids = replica_pids(EnginePaths(detached.state_dir))
    report = stop_running(detached.state_dir)
    assert report.engine_pid == info.pid and report.leftovers == 0
    assert not psutil.pid_exists(info.pid)
    assert all(not psutil.pid_exists(p) for p in pids)
    assert running_engine(EnginePaths(detached.state_dir)) is None


def test_down_after_kill_9_stops_the_replicas_left_behind(detached: UpOptions, client: LocalBackend) -> None:
    info = start_detached(detached)
    wait_for(lambda: ready(client, 2), 15, "two ready replicas")
    os.kill(info.pid, signal.SIGKILL)
    psutil.wait_procs([psutil.Process(info.pid)], timeout=5)
    pids = replica_pids(EnginePaths(detached.state_dir))
    assert len(pids) == 2  # still running without their engine
    report = stop_running(detached.state_dir)
    assert report.engine_pid is None and report.leftovers == 2
    assert replica_pids(EnginePaths(detached.state_dir)) == set()


def test_a_backend_in_another_process_changes_apps_through_the_engine(detached: UpOptions,
                                                                       client: LocalBackend) -> None:
    start_detached(detached)
    wait_for(lambda: ready(client, 2), 15, "two ready replicas")
    result = client.deploy("web", "test", "v2", Strategy.BLUE_GREEN, "alice")
    assert result.after.version == "v2" and result.after.ready_replicas == 2
    assert {get(str(result.after.url)).json()["version"] for _ in range(6)} == {"v2"}
    failed = client.deploy("web", "test", "bad", Strategy.ROLLING, "alice")
    assert failed.deployment is not None and failed.deployment.status == "rolled_back"
    assert client.scale("web", "test", 1, "alice").after.ready_replicas == 1


def test_a_change_without_an_engine_says_how_to_start_one(client: LocalBackend, store: EventStore) -> None:
    register(store, [{"name": "web", "environment": "test", "version": "v1", "replicas": 1}])
    with pytest.raises(BackendError, match="paas up"):
        client.scale("web", "test", 2, "alice")
    status = client.get_status("web", "test")
    assert status.health == Health.STOPPED and status.url is None and status.ready_replicas == 0


def test_foreground_engine_stops_every_replica_on_ctrl_c(options: UpOptions, store: EventStore,
                                                         client: LocalBackend) -> None:
    register(store, [{"name": "web", "environment": "test", "version": "v1", "replicas": 2}])
    argv = [sys.executable, "-m", "paas.local.daemon", "up", "--state-dir", str(options.state_dir),
            "--store-url", options.store_url, "--settings", options.settings.model_dump_json()]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    engine = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: running_engine(EnginePaths(options.state_dir)) and ready(client, 2), 20, "the engine")
        pids = replica_pids(EnginePaths(options.state_dir))
        engine.send_signal(signal.SIGINT)
        assert engine.wait(20) == 0
    finally:
        if engine.poll() is None:
            engine.kill()
    assert all(not psutil.pid_exists(p) for p in pids)
    assert not EnginePaths(options.state_dir).engine_file.exists()
