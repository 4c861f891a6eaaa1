"""The sample app does what its release config says: latency, errors, failing health, memory growth."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import httpx
import psutil
import pytest

from paas.local.supervisor import PROJECT_ROOT, free_port

from .conftest import wait_for

StartApp = Callable[..., str]


@pytest.fixture
def start_app() -> Iterator[StartApp]:
    """Start the sample app with some environment variables; returns its URL. Stops them all after."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(**env: str) -> str:
        port = free_port()
        full = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PORT": str(port), **env}
        procs.append(subprocess.Popen([sys.executable, "-m", "paas.local.sample_app"], env=full))
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(url), 10, "the sample app to listen")
        return url

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)


def _answers(url: str) -> bool:
    try:
        httpx.get(url + "/health", timeout=1)
    except httpx.HTTPError:
        return False
    return True


def test_version_and_pid_are_in_every_answer(start_app: StartApp) -> None:
    url = start_app(PAAS_APP="web", PAAS_VERSION="v7")
    body = httpx.get(url + "/orders").json()
    assert body["app"] == "web" and body["version"] == "v7" and body["path"] == "/orders"
    assert psutil.pid_exists(body["pid"])


def test_latency_config_slows_every_request(start_app: StartApp) -> None:
    url = start_app(LATENCY_MS="150")
    start = time.perf_counter()
    assert httpx.get(url + "/").status_code == 200
    assert time.perf_counter() - start >= 0.15
    assert httpx.get(url + "/health").elapsed.total_seconds() < 0.15  # health is not slowed


def test_error_rate_config_fails_that_share_of_requests(start_app: StartApp) -> None:
    url = start_app(ERROR_RATE="0.5")
    with httpx.Client() as client:
        codes = [client.get(url + "/").status_code for _ in range(200)]
    assert set(codes) == {200, 500}
    assert 60 <= codes.count(500) <= 140


def test_unhealthy_config_fails_the_health_check_only(start_app: StartApp) -> None:
    url = start_app(HEALTHY="false")
    assert httpx.get(url + "/health").status_code == 503
    assert httpx.get(url + "/").status_code == 200


def test_memory_growth_config_grows_resident_memory(start_app: StartApp) -> None:
    url = start_app(MEMORY_GROWTH_MB_PER_MIN="1200")  # 20 MB a second
    proc = psutil.Process(httpx.get(url + "/").json()["pid"])
    before = proc.memory_info().rss
    wait_for(lambda: proc.memory_info().rss - before > 30 * 1024 * 1024, 10, "memory to grow by 30 MB")
