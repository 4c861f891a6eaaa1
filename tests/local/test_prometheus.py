"""A real Prometheus (Debian package `prometheus`) scrapes the engine's /metrics; PromQL sees the load."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from paas.local.engine import LocalEngine
from paas.local.load import BackgroundLoad
from paas.local.supervisor import free_port
from paas.store import EventStore

from .conftest import register, wait_for

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
pytestmark = pytest.mark.skipif(not Path(PROMETHEUS).exists(), reason="needs `apt-get install prometheus`")
RPS = 25.0


@pytest.fixture
def prometheus(tmp_path: Path, engine: LocalEngine, store: EventStore) -> Iterator[str]:
    """Prometheus on a free port, scraping the engine every second, with its own storage dir."""
    register(store, [{"name": "web", "environment": "test", "version": "v1", "replicas": 2}])
    engine.start()
    target = engine.info.url.removeprefix("http://")
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"scrape_configs:\n  - job_name: paas\n    static_configs: [{{targets: ['{target}']}}]\n"
    )
    port = free_port()
    proc = subprocess.Popen(
        [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "prometheus.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _ok(url + "/-/ready"), 30, "Prometheus to be ready")
        yield url
    finally:
        proc.terminate()
        proc.wait(20)


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _up_targets(prometheus: str) -> list[str]:
    targets = httpx.get(prometheus + "/api/v1/targets").json()["data"]["activeTargets"]
    return [t["scrapeUrl"] for t in targets if t["health"] == "up"]


def query(prometheus: str, promql: str) -> float | None:
    data = httpx.get(prometheus + "/api/v1/query", params={"query": promql}, timeout=5).json()
    result = data["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def test_prometheus_sees_the_request_rate_the_load_generator_produced(prometheus: str, engine: LocalEngine) -> None:
    url = wait_for(lambda: engine.observed("web", "test").ready_replicas == 2 and engine.observed("web", "test").url,
                   15, "two ready replicas")
    targets = wait_for(lambda: _up_targets(prometheus), 15, "Prometheus to scrape the engine")
    assert targets == [engine.info.url + "/metrics"]
    load = BackgroundLoad(f"{url}/", RPS).start()
    try:
        promql = 'sum(rate(paas_requests_total{app="web",environment="test"}[5s]))'
        rate = wait_for(lambda: (v := query(prometheus, promql)) is not None and abs(v - RPS) < 0.2 * RPS and v,
                        15, f"Prometheus to report about {RPS} req/s")
    finally:
        report = load.stop()
    assert report.failed == 0
    assert abs(rate - RPS) < 0.2 * RPS
    assert query(prometheus, 'paas_replicas_ready{app="web"}') == 2
    p50 = query(prometheus, "histogram_quantile(0.5, sum by (le) (rate(paas_request_duration_seconds_bucket[5s])))")
    assert p50 is not None and 0 < p50 < 0.1
