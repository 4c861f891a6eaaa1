"""The reverse proxy: round robin over healthy replicas, retries a dead one, counts what it served."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from paas.domain import Release
from paas.local import supervisor
from paas.local.health import wait_ready
from paas.local.ioloop import IoLoop
from paas.local.paths import EnginePaths
from paas.local.proxy import Proxy
from paas.local.stats import RequestStats
from paas.local.supervisor import Replica, free_port

from .conftest import SAMPLE, wait_for


@pytest.fixture
def io() -> Iterator[IoLoop]:
    loop = IoLoop().start()
    yield loop
    loop.stop()


@pytest.fixture
def replicas(tmp_path: Path, io: IoLoop) -> Iterator[list[Replica]]:
    paths = EnginePaths(tmp_path).ensure()
    release = Release(app="web", version="v1", command=SAMPLE)
    started = [supervisor.spawn(release, "test", paths) for _ in range(2)]
    assert wait_ready(io, started, 10) == {}
    yield started
    for replica in started:
        supervisor.stop(replica, paths, 3)


@pytest.fixture
def proxy(io: IoLoop) -> Iterator[Proxy]:
    proxy = Proxy("web/test", free_port(), RequestStats())
    io.run(proxy.start())
    yield proxy
    io.run(proxy.close())


def test_requests_are_spread_over_every_healthy_replica(io: IoLoop, proxy: Proxy, replicas: list[Replica]) -> None:
    io.call(proxy.set_members, replicas)
    with httpx.Client(base_url=f"http://127.0.0.1:{proxy.port}") as client:
        pids = [client.get("/").json()["pid"] for _ in range(10)]
    assert set(pids) == {r.pid for r in replicas}
    assert pids.count(replicas[0].pid) == 5
    wait_for(lambda: proxy.stats.snapshot().count == 10, 2, "the proxy to count 10 requests")
    assert proxy.stats.snapshot().by_class["2xx"] == 10


def test_request_body_and_status_pass_through(io: IoLoop, proxy: Proxy, replicas: list[Replica]) -> None:
    io.call(proxy.set_members, replicas)
    response = httpx.post(f"http://127.0.0.1:{proxy.port}/orders?x=1", content=b"{}")
    assert response.status_code == 200
    assert response.json()["path"] == "/orders?x=1"


def test_no_replica_answers_503(io: IoLoop, proxy: Proxy) -> None:
    response = httpx.get(f"http://127.0.0.1:{proxy.port}/")
    assert response.status_code == 503
    assert "no healthy replica" in response.text
    wait_for(lambda: proxy.stats.snapshot().by_class["5xx"] == 1, 2, "the proxy to count the 503")


def test_a_replica_refusing_connections_is_skipped(io: IoLoop, proxy: Proxy, replicas: list[Replica]) -> None:
    gone = Replica(id="gone", app="web", environment="test", version="v1", port=free_port(), pid=0, create_time=0)
    io.call(proxy.set_members, [gone, replicas[0]])
    with httpx.Client(base_url=f"http://127.0.0.1:{proxy.port}") as client:
        codes = [client.get("/").status_code for _ in range(6)]
    assert codes == [200] * 6


def test_every_replica_gone_answers_502(io: IoLoop, proxy: Proxy) -> None:
    gone = Replica(id="gone", app="web", environment="test", version="v1", port=free_port(), pid=0, create_time=0)
    io.call(proxy.set_members, [gone])
    assert httpx.get(f"http://127.0.0.1:{proxy.port}/").status_code == 502
