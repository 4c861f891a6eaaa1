"""Measured metrics: stored time series (LocalMetrics), `/metrics` text, and the pieces they rest on."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from paas.errors import NotFoundError, ValidationError
from paas.local.engine import LocalEngine
from paas.local.load import run_load
from paas.local.metrics_store import LocalMetrics, MetricsStore, downsample
from paas.local.stats import RequestStats, percentile
from paas.store import EventStore

from .conftest import SAMPLE, register, wait_for

SLOW_AND_FLAKY = [{"version": "v1", "command": SAMPLE, "config": {"latency_ms": 40, "error_rate": 0.25}}]
SAMPLE_LINE = re.compile(r'^[a-z_]+(\{([a-z_]+="[^"]*",?)*\})? -?[0-9.e+]+$')


@pytest.fixture
def running(engine: LocalEngine, store: EventStore) -> LocalEngine:
    """web/test: two replicas answering in 40 ms, 25% of them with errors."""
    register(store, [{"name": "web", "environment": "test", "version": "v1", "replicas": 2}], SLOW_AND_FLAKY)
    engine.start()
    wait_for(lambda: engine.observed("web", "test").ready_replicas == 2, 15, "two ready replicas")
    return engine


@pytest.fixture
def loaded(running: LocalEngine) -> LocalEngine:
    """The same after 3 s of 40 req/s through its proxy."""
    report = run_load(f"{running.observed('web', 'test').url}/", rps=40, duration=3)
    assert report.sent >= 110
    return running


def test_request_rate_errors_and_latency_are_measured(loaded: LocalEngine) -> None:
    metrics = loaded.metrics()

    def series(name: str) -> list[float]:
        return [v for _, v in metrics.query("web", "test", name, timedelta(minutes=1), timedelta(seconds=1)).points]

    wait_for(lambda: sum(series("request_rate")) > 100, 5, "the samples of the load to be stored")
    busy = [v for v in series("request_rate") if v > 5]
    assert busy and 25 <= sum(busy) / len(busy) <= 55
    errors = [v for v in series("error_rate") if v > 0]
    assert errors and 10 <= sum(errors) / len(errors) <= 40
    assert min(series("latency_p50")) >= 40
    assert max(series("latency_p99")) >= max(series("latency_p50"))


def test_cpu_and_memory_are_measured_per_replica_and_summed(loaded: LocalEngine) -> None:
    wait_for(lambda: loaded.services[("web", "test")].usage, 5, "a usage sample")
    memory = loaded.metrics().query("web", "test", "memory", timedelta(minutes=1)).summary()
    assert memory["last"] is not None and 10 < memory["last"] < 500  # two small Python processes, in MB
    per_replica = loaded.services[("web", "test")].usage
    assert len(per_replica) == 2 and all(mb > 5 for _, mb in per_replica.values())


def test_metrics_endpoint_speaks_prometheus_text(loaded: LocalEngine) -> None:
    response = httpx.get(loaded.info.url + "/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    lines = [line for line in response.text.splitlines() if line and not line.startswith("#")]
    assert lines and all(SAMPLE_LINE.match(line) for line in lines), lines
    total = sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith("paas_requests_total"))
    count = next(line for line in lines if line.startswith("paas_request_duration_seconds_count"))
    assert total >= 110 and float(count.rsplit(" ", 1)[1]) == total
    assert 'paas_replicas_ready{app="web",environment="test"} 2' in lines
    assert '# TYPE paas_request_duration_seconds histogram' in response.text


def test_control_api_refuses_requests_without_the_token(running: LocalEngine) -> None:
    assert httpx.get(running.info.url + "/api/status").status_code == 401
    assert httpx.post(running.info.url + "/api/changes", json={}).status_code == 401


def test_unknown_metric_or_app_is_a_clear_error(running: LocalEngine) -> None:
    with pytest.raises(ValidationError, match="known metrics"):
        running.metrics().query("web", "test", "latency", timedelta(minutes=5))
    with pytest.raises(NotFoundError, match="unknown app"):
        running.metrics().query("shop", "test", "cpu", timedelta(minutes=5))


def test_stored_points_are_averaged_per_step_and_kept_for_the_window(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path / "m.db")
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC).timestamp()
    for offset, value in ((-700, 99.0), (-50, 10.0), (-45, 20.0), (-5, 30.0)):
        store.write([("web", "prod", "request_rate", "", value)], ts=now + offset)
    metrics = LocalMetrics(store, clock=lambda: datetime.fromtimestamp(now, UTC))
    series = metrics.query("web", "prod", "request_rate", timedelta(minutes=10), timedelta(seconds=30))
    assert [v for _, v in series.points] == [15.0, 30.0]
    assert series.unit == "req/s"
    assert store.prune(now - 600) == 1


def test_percentiles_and_windows() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0 and percentile([1.0, 2.0, 3.0, 4.0], 99) == 4.0
    assert downsample([(0.5, 1.0), (1.5, 3.0), (1.9, 5.0)], 1.0) == [(1.0, 1.0), (2.0, 4.0)]
    stats = RequestStats()
    for status, seconds in ((200, 0.004), (503, 0.2), (200, 0.02)):
        stats.record(status, seconds)
    window = stats.take_window(2.0)
    assert window.rate == 1.5 and round(window.error_percent, 1) == 33.3 and window.latency(50) == 20.0
    assert stats.take_window(1.0).requests == 0
    snapshot = stats.snapshot()
    assert snapshot.by_class == {"2xx": 2, "3xx": 0, "4xx": 0, "5xx": 1} and snapshot.buckets[0] == 1
