"""Every sample interval: turn each proxy's requests and each replica's CPU and memory into stored points."""

from __future__ import annotations

import logging
import time

import psutil

from paas.local.metrics_store import MetricsStore, Row
from paas.local.service import Service

log = logging.getLogger(__name__)


def request_rows(service: Service, seconds: float) -> list[Row]:
    window = service.stats.take_window(seconds)
    key = (service.app, service.environment)
    rows: list[Row] = [(*key, "request_rate", "", window.rate), (*key, "error_rate", "", window.error_percent)]
    for name, q in (("latency_p50", 50), ("latency_p95", 95), ("latency_p99", 99)):
        value = window.latency(q)
        if value is not None:
            rows.append((*key, name, "", value))
    return rows


def usage_rows(service: Service) -> list[Row]:
    """CPU (%) and resident memory (MB) per replica, and their sums for the app."""
    key = (service.app, service.environment)
    rows: list[Row] = []
    usage: dict[str, tuple[float, float]] = {}
    for replica in service.live():
        proc = replica.process()
        if proc is None:
            continue
        try:
            with proc.oneshot():
                cpu = proc.cpu_percent(None)
                mb = proc.memory_info().rss / (1024 * 1024)
        except psutil.Error:
            continue
        usage[replica.id] = (cpu, mb)
        rows += [(*key, "cpu", replica.id, cpu), (*key, "memory", replica.id, mb)]
    service.usage = usage
    rows.append((*key, "cpu", "", sum(c for c, _ in usage.values())))
    rows.append((*key, "memory", "", sum(m for _, m in usage.values())))
    return rows


class Sampler:
    """Keeps the time of the previous sample so rates divide by the real elapsed time."""

    def __init__(self, store: MetricsStore, retention_hours: float) -> None:
        self.store = store
        self.retention = retention_hours * 3600
        self._last = time.monotonic()
        self._pruned = 0.0

    def sample(self, services: list[Service]) -> None:
        now = time.monotonic()
        elapsed, self._last = now - self._last, now
        rows: list[Row] = []
        for service in services:
            rows += request_rows(service, elapsed)
            rows += usage_rows(service)
        self.store.write(rows)
        if now - self._pruned > 3600:
            self._pruned = now
            removed = self.store.prune(time.time() - self.retention)
            if removed:
                log.info("pruned %s metric samples older than the retention", removed)
