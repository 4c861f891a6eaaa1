"""Fixtures for the local engine: a store, fast settings, a running engine, and sample-app releases.

Every fixture that starts processes stops them, and ``engine`` checks that none is left behind.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from paas.catalog import import_catalog, parse_catalog
from paas.local import supervisor
from paas.local.backend import LocalBackend
from paas.local.engine import LocalEngine
from paas.local.paths import EnginePaths
from paas.local.settings import LocalSettings
from paas.memory import InMemoryBackend
from paas.store import EventStore, open_store

SAMPLE = "python -m paas.local.sample_app"
RELEASES: list[dict[str, Any]] = [
    {"version": "v1", "command": SAMPLE},
    {"version": "v2", "command": SAMPLE, "config": {"latency_ms": 1}},
    {"version": "v3", "command": SAMPLE},
    {"version": "bad", "command": SAMPLE, "config": {"healthy": False}},
    {"version": "crashing", "command": "python -c 'raise SystemExit(3)'"},
]


def wait_for(check: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll until ``check()`` is truthy; fail the test with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def fast_settings(**overrides: Any) -> LocalSettings:
    start = random.randrange(20000, 50000, 100)
    values: dict[str, Any] = {
        "engine_port": 0, "proxy_port_start": start, "proxy_port_end": start + 99,
        "health_interval_seconds": 0.2, "health_timeout_seconds": 0.5, "unhealthy_threshold": 2,
        "ready_timeout_seconds": 3.0, "drain_timeout_seconds": 5.0, "stop_grace_seconds": 3.0,
        "restart_backoff_seconds": 0.2, "restart_backoff_max_seconds": 2.0, "poll_interval_seconds": 0.2,
        "sample_interval_seconds": 0.5,
    }
    return LocalSettings(**(values | overrides))


def register(store: EventStore, apps: list[dict[str, Any]], releases: list[dict[str, Any]] | None = None) -> None:
    """Register apps (name, environment, version, replicas) with the sample-app releases."""
    names = {a["name"] for a in apps}
    catalog = parse_catalog({"apps": apps, "releases": {n: releases or RELEASES for n in names}})
    import_catalog(store, InMemoryBackend(store).state(), catalog, actor="test")


def replica_pids(paths: EnginePaths) -> set[int]:
    return {r.pid for r in supervisor.adopt(paths)}


def get(url: str, path: str = "/") -> httpx.Response:
    return httpx.get(url + path, timeout=5.0)


@pytest.fixture
def settings() -> LocalSettings:
    return fast_settings()


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "state"
    yield path
    for replica in supervisor.sweep(EnginePaths(path).ensure(), grace=1.0):  # safety net after a failed test
        pytest.fail(f"replica {replica.id} (pid {replica.pid}) was left running")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    store = open_store(f"sqlite:///{tmp_path / 'paas.db'}")
    yield store
    store.close()


@pytest.fixture
def engine(store: EventStore, state_dir: Path, settings: LocalSettings) -> Iterator[LocalEngine]:
    engine = LocalEngine(store, state_dir, settings)
    yield engine
    pids = replica_pids(engine.paths)
    engine.stop()
    assert not [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert not list(engine.paths.replicas_dir.glob("*.json")), "pid files left behind"


@pytest.fixture
def backend(store: EventStore, engine: LocalEngine, state_dir: Path, settings: LocalSettings) -> LocalBackend:
    return LocalBackend(store, state_dir, settings, engine=engine)
