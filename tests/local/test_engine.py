"""The engine with real processes and real HTTP: deploys, rollbacks, scaling under load, crashes."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import psutil
import pytest

from paas.domain import Health, Strategy
from paas.errors import BackendError, ValidationError
from paas.local.backend import LocalBackend
from paas.local.engine import LocalEngine
from paas.local.load import BackgroundLoad
from paas.local.paths import EnginePaths
from paas.local.settings import LocalSettings
from paas.memory import InMemoryBackend
from paas.state import APP_DEPLOYED, app_stream
from paas.store import EventStore

from .conftest import get, register, replica_pids, wait_for


def started(engine: LocalEngine, backend: LocalBackend, store: EventStore, replicas: int = 1,
            version: str | None = "v1") -> str:
    """Register web/test, start the engine, wait until every replica is ready; returns the proxy URL."""
    register(store, [{"name": "web", "environment": "test", "version": version, "replicas": replicas}])
    engine.start()
    if version is None:
        return engine.observed("web", "test").url or ""
    status = wait_for(lambda: _ready(backend, replicas), 15, f"{replicas} ready replica(s)")
    return str(status.url)


def _ready(backend: LocalBackend, replicas: int) -> object:
    status = backend.get_status("web", "test")
    return status if status.ready_replicas == replicas and status.health == Health.HEALTHY else None


def versions_served(url: str, count: int = 20) -> set[str]:
    return {get(url).json()["version"] for _ in range(count)}


def test_engine_runs_the_desired_replicas_behind_a_stable_proxy(
    engine: LocalEngine, backend: LocalBackend, store: EventStore
) -> None:
    url = started(engine, backend, store, replicas=2)
    bodies = [get(url, "/hello").json() for _ in range(6)]
    assert {b["version"] for b in bodies} == {"v1"}
    assert len({b["pid"] for b in bodies}) == 2
    assert replica_pids(engine.paths) == {b["pid"] for b in bodies}
    assert backend.list_apps()[0].url == url


def test_rolling_deploy_replaces_every_replica_without_failed_requests(
    engine: LocalEngine, backend: LocalBackend, store: EventStore
) -> None:
    url = started(engine, backend, store, replicas=2)
    old = replica_pids(engine.paths)
    load = BackgroundLoad(url + "/", rps=40).start()
    result = backend.deploy("web", "test", "v2", Strategy.ROLLING, "alice")
    report = load.stop()
    assert result.after.version == "v2" and result.after.ready_replicas == 2
    assert result.deployment is not None and result.deployment.status == "succeeded"
    assert versions_served(url) == {"v2"}
    assert not old & replica_pids(engine.paths)
    assert report.sent > 20 and report.failed == 0, report.summary()


def test_blue_green_deploy_switches_traffic_to_the_new_set(
    engine: LocalEngine, backend: LocalBackend, store: EventStore
) -> None:
    url = started(engine, backend, store, replicas=2)
    old = replica_pids(engine.paths)
    load = BackgroundLoad(url + "/", rps=40).start()
    result = backend.deploy("web", "test", "v2", Strategy.BLUE_GREEN, "alice")
    report = load.stop()
    assert result.after.version == "v2" and result.deployment and result.deployment.strategy == "blue_green"
    assert versions_served(url) == {"v2"}
    assert not old & replica_pids(engine.paths)
    assert len(replica_pids(engine.paths)) == 2
    assert report.failed == 0, report.summary()


@pytest.mark.parametrize("strategy", [Strategy.ROLLING, Strategy.BLUE_GREEN])
def test_a_version_failing_health_checks_rolls_back_by_itself(
    engine: LocalEngine, backend: LocalBackend, store: EventStore, strategy: Strategy
) -> None:
    url = started(engine, backend, store, replicas=2)
    old = replica_pids(engine.paths)
    result = backend.deploy("web", "test", "bad", strategy, "alice")
    assert result.deployment is not None and result.deployment.status == "rolled_back"
    assert "HTTP 503" in result.deployment.reason and "HTTP 503" in result.message
    assert "v1 keeps serving" in result.message
    assert result.after.version == "v1" and backend.state().get("web", "test").version == "v1"
    assert versions_served(url) == {"v1"}
    assert replica_pids(engine.paths) == old
    recorded = [e for e in store.read_stream(app_stream("web", "test")) if e.type == APP_DEPLOYED]
    assert recorded[-1].data["status"] == "rolled_back" and recorded[-1].actor == "alice"


def test_a_first_deploy_that_never_gets_healthy_is_recorded_as_failed(
    engine: LocalEngine, backend: LocalBackend, store: EventStore
) -> None:
    started(engine, backend, store, version=None)
    result = backend.deploy("web", "test", "crashing", Strategy.ROLLING, "alice")
    assert result.deployment is not None and result.deployment.status == "failed"
    assert "exited with code 3" in result.deployment.reason
    assert backend.get_status("web", "test").version is None
    assert replica_pids(engine.paths) == set()


def test_rollback_returns_to_the_previous_release(
    engine: LocalEngine, backend: LocalBackend, store: EventStore
) -> None:
    url = started(engine, backend, store)
    backend.deploy("web", "test", "v2", Strategy.ROLLING, "alice")
    result = backend.rollback("web", "test", None, "bob")
    assert result.after.version == "v1" and "rolled back v2 -> v1" in result.message
    assert versions_served(url) == {"v1"}
    assert backend.rollback("web", "test", "v3", "bob").after.version == "v3"  # or to a named release
    assert versions_served(url) == {"v3"}


def test_scaling_1_3_1_under_load_drops_no_request(
    engine: LocalEngine, backend: LocalBackend, store: EventStore
) -> None:
    url = started(engine, backend, store)
    load = BackgroundLoad(url + "/", rps=50).start()
    up = backend.scale("web", "test", 3, "alice")
    pids_at_three = {get(url).json()["pid"] for _ in range(40)}  # round robin, shared with the load
    down = backend.scale("web", "test", 1, "alice")
    report = load.stop()
    assert up.after.replicas == 3 and up.after.ready_replicas == 3
    assert len(pids_at_three) == 3
    assert down.after.ready_replicas == 1 and len(replica_pids(engine.paths)) == 1
    assert report.sent > 30 and report.failed == 0, report.summary()


def test_scale_to_zero_stops_every_replica(engine: LocalEngine, backend: LocalBackend, store: EventStore) -> None:
    url = started(engine, backend, store, replicas=2)
    result = backend.scale("web", "test", 0, "alice")
    assert result.after.health == Health.STOPPED and replica_pids(engine.paths) == set()
    assert get(url).status_code == 503


def test_a_crashed_replica_is_restarted(engine: LocalEngine, backend: LocalBackend, store: EventStore) -> None:
    url = started(engine, backend, store, replicas=2)
    service = engine.services[("web", "test")]
    victim = service.live()[0].pid
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: victim not in {r.pid for r in service.live()} and _ready(backend, 2), 15, "a new replica")
    assert service.restarts == 1
    assert len(replica_pids(engine.paths)) == 2
    assert versions_served(url, 10) == {"v1"}
    assert not psutil.pid_exists(victim) or psutil.Process(victim).status() == psutil.STATUS_ZOMBIE


def test_a_change_recorded_by_another_writer_is_carried_out(
    engine: LocalEngine, backend: LocalBackend, store: EventStore
) -> None:
    started(engine, backend, store)
    InMemoryBackend(store).scale("web", "test", 3, "someone-else")
    wait_for(lambda: _ready(backend, 3), 15, "the engine to start two more replicas")
    InMemoryBackend(store).deploy("web", "test", "v2", Strategy.ROLLING, "someone-else")
    wait_for(lambda: versions_served(engine.observed("web", "test").url or "", 6) == {"v2"}, 15, "v2 to serve")
    wait_for(lambda: len(replica_pids(engine.paths)) == 3, 15, "the v1 replicas to stop")


def test_invalid_changes_are_refused_before_anything_runs(
    engine: LocalEngine, backend: LocalBackend, store: EventStore
) -> None:
    started(engine, backend, store)
    with pytest.raises(ValidationError, match="unknown version"):
        backend.deploy("web", "test", "v9", Strategy.ROLLING, "alice")
    with pytest.raises(ValidationError, match="already runs v1"):
        backend.deploy("web", "test", "v1", Strategy.ROLLING, "alice")
    assert len(replica_pids(engine.paths)) == 1


def test_a_rollback_to_a_failing_release_changes_nothing(
    engine: LocalEngine, backend: LocalBackend, store: EventStore
) -> None:
    url = started(engine, backend, store)
    with pytest.raises(BackendError, match="v1 keeps serving"):
        backend.rollback("web", "test", "bad", "alice")
    assert backend.get_status("web", "test").version == "v1"
    assert versions_served(url, 5) == {"v1"}


def test_a_taken_engine_port_is_a_clear_error(store: EventStore, state_dir: Path, settings: LocalSettings) -> None:
    register(store, [{"name": "web", "environment": "test", "version": "v1", "replicas": 1}])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(BackendError, match="PAAS_LOCAL__ENGINE_PORT"):
            LocalEngine(store, state_dir, settings.model_copy(update={"engine_port": port})).start()
    assert replica_pids(EnginePaths(state_dir)) == set()


def test_a_crash_looping_release_backs_off_while_the_old_version_serves(
    engine: LocalEngine, backend: LocalBackend, store: EventStore
) -> None:
    url = started(engine, backend, store)
    InMemoryBackend(store).deploy("web", "test", "crashing", Strategy.ROLLING, "someone-else")  # not checked
    time.sleep(3)
    restarts = engine.services[("web", "test")].restarts
    assert 2 <= restarts <= 7  # back-off 0.2, 0.4, 0.8, 1.6 s; without it a crash every tick (about 15)
    assert versions_served(url, 5) == {"v1"}
