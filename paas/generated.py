"""Generated metrics for the in-memory backend: deterministic, plausible series with a daily cycle.

Series given in a fixture (``{app: {metric: [[t, v], ...]}}``, t in seconds relative to now or ISO time, or
``{app: {metric: {points: [...], labels: {...}}}}``) win over generated ones, so eval cases can pin exactly
what the agent sees.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from paas.metrics import METRICS, Series, check_metric, default_step
from paas.state import PlatformState

FixtureSeries = Mapping[str, Mapping[str, Any]]


def _noise(*parts: object) -> float:
    """A repeatable pseudo-random number in [-1, 1] for the given key."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**63 - 1.0


class GeneratedMetrics:
    """A MetricsSource computing values from time of day, app name and replica count."""

    def __init__(
        self,
        state: Callable[[], PlatformState] | None = None,
        fixtures: FixtureSeries | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._state = state
        self._fixtures = fixtures or {}
        self._clock = clock or (lambda: datetime.now(UTC))

    def query(
        self, app: str, environment: str, metric: str, window: timedelta, step: timedelta | None = None
    ) -> Series:
        check_metric(metric)
        replicas = 1
        if self._state is not None:
            replicas = self._state().get(app, environment).replicas
        step = step or default_step(window)
        now = self._clock()
        fixture = self._fixtures.get(app, {}).get(metric)
        labels: dict[str, str] = {}
        if fixture is not None:
            if isinstance(fixture, Mapping):
                labels = {str(k): str(v) for k, v in fixture.get("labels", {}).items()}
                fixture = fixture.get("points", [])
            points = [p for p in (self._fixture_point(now, t, v) for t, v in fixture) if p[0] >= now - window]
        else:
            count = max(1, int(window / step))
            start = now - step * (count - 1)
            times = [start + step * i for i in range(count)]
            points = [(t, self._value(app, environment, metric, t, replicas)) for t in times]
        unit = METRICS[metric][0]
        return Series(app=app, environment=environment, metric=metric, unit=unit, window=window, step=step,
                      points=points, labels=labels)

    @staticmethod
    def _fixture_point(now: datetime, t: Any, value: Any) -> tuple[datetime, float]:
        when = now + timedelta(seconds=float(t)) if isinstance(t, int | float) else datetime.fromisoformat(str(t))
        return when, float(value)

    @staticmethod
    def _value(app: str, environment: str, metric: str, when: datetime, replicas: int) -> float:
        base = 20 + 80 * (_noise(app, environment) + 1)  # 20..180 req/s peak per app
        day = (when.hour * 3600 + when.minute * 60 + when.second) / 86400
        load = base * (0.6 + 0.4 * math.sin(2 * math.pi * (day - 0.3))) * (1 + 0.05 * _noise(app, metric, when))
        if replicas == 0:
            return 0.0
        per_replica = load / replicas
        values = {
            "request_rate": load,
            "error_rate": max(0.0, 0.3 + 0.2 * _noise(app, "err", when)),
            "latency_p50": 30 + per_replica * 0.2,
            "latency_p95": 80 + per_replica * 0.6,
            "latency_p99": 150 + per_replica * 1.2,
            "cpu": min(100.0 * replicas, load * 0.5),
            "memory": replicas * (140 + 10 * _noise(app, "mem")),
        }
        return round(values[metric], 3)
