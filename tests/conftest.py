"""Shared fixtures: settings and runtimes on temporary stores, PostgreSQL schemas, a controllable clock."""

from __future__ import annotations

import ipaddress
import os
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from integrations.runtime import Runtime, build_runtime
from paas.catalog import DEMO_CATALOG, import_catalog, load_catalog
from paas.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TEAM_CONFIG = ROOT / "examples" / "team.toml"
PG_BASE = os.environ.get("PAAS_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
WEDNESDAY_NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PROVIDER_VARS = (
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE", "OPENAI_ORG_ID", "OPENAI_ORGANIZATION", "OPENAI_PROXY",
    "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_API_URL", "ANTHROPIC_PROXY", "LANGSMITH_API_KEY",
    "LANGCHAIN_API_KEY", "LANGSMITH_GATEWAY", "LANGSMITH_GATEWAY_API_KEY",
)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """No test sees the developer's PAAS_* settings or a provider key, and no test reaches past loopback
    unless marked ``network``: real model calls are impossible."""
    for name in list(os.environ):
        if name.startswith("PAAS_") or name in PROVIDER_VARS:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAAS_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("LANGSMITH_TRACING", "false")
    monkeypatch.setenv("LANGCHAIN_TRACING_V2", "false")
    if not request.node.get_closest_marker("network"):
        _loopback_only(monkeypatch)


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str) or host == "localhost":
        return True  # AF_UNIX paths, and the loopback name
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def refuse(host: object) -> OSError:
        return OSError(f"network access to {host!r} is blocked in tests: use a local server on 127.0.0.1")

    def connect(sock: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if not _is_loopback(host):
            raise refuse(host)
        real_connect(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and not _is_loopback(name):
            raise refuse(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = WEDNESDAY_NOON) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    schema = "t_" + uuid.uuid4().hex[:10]
    admin = create_engine(PG_BASE)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("pg_url")


def team_settings(tmp_path: Path, database_url: str | None = None, **overrides: object) -> Settings:
    os.environ["PAAS_CONFIG"] = str(TEAM_CONFIG)
    try:
        overrides.setdefault("backend", "memory")
        return Settings.load(state_dir=tmp_path / "state", database_url=database_url, **overrides)
    finally:
        os.environ["PAAS_CONFIG"] = str(tmp_path / "no-config.toml")


def demo_runtime(settings: Settings, clock: FakeClock | None = None) -> Runtime:
    """The demo platform on these settings; real time unless a clock is given."""
    rt = build_runtime(settings, clock=clock) if clock else build_runtime(settings)
    import_catalog(rt.store, rt.platform.backend.state(), load_catalog(DEMO_CATALOG), "root")
    return rt


@pytest.fixture
def team(tmp_path: Path, clock: FakeClock) -> Iterator[Runtime]:
    """The demo platform with the example team config (two-person rule in prod), on SQLite."""
    rt = demo_runtime(team_settings(tmp_path), clock)
    yield rt
    rt.close()
