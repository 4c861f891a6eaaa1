"""Request statistics recorded by a proxy: counters per status class, a latency histogram, and the raw
latencies since the last sample (for exact percentiles in the stored time series)."""

from __future__ import annotations

import bisect
import math
import threading
from dataclasses import dataclass, field

# Histogram bucket upper bounds in seconds, as Prometheus expects (cumulative ``le`` buckets).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")


def status_class(status: int) -> str:
    return f"{min(max(status // 100, 1), 5)}xx"


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (q in 0..100)."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    rank = max(0, min(len(sorted_values) - 1, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[rank]


@dataclass(frozen=True)
class StatsSnapshot:
    """Totals since the proxy started: what ``/metrics`` exposes."""

    by_class: dict[str, int]
    buckets: list[int]  # cumulative counts per BUCKETS bound
    count: int
    total_seconds: float


@dataclass(frozen=True)
class WindowSample:
    """What happened since the previous sample: the source of the stored time series."""

    seconds: float
    requests: int
    errors: int  # 5xx
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def error_percent(self) -> float:
        return 100.0 * self.errors / self.requests if self.requests else 0.0

    def latency(self, q: float) -> float | None:
        return percentile(sorted(self.latencies_ms), q) if self.latencies_ms else None


@dataclass
class RequestStats:
    """Thread-safe: the proxy records on its event loop; samplers and scrapers read from other threads."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _by_class: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUS_CLASSES, 0))
    _buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    _count: int = 0
    _sum: float = 0.0
    _window: list[tuple[int, float]] = field(default_factory=list)

    def record(self, status: int, seconds: float) -> None:
        cls = status_class(status)
        index = bisect.bisect_left(BUCKETS, seconds)
        with self._lock:
            self._by_class[cls] = self._by_class.get(cls, 0) + 1
            if index < len(BUCKETS):
                self._buckets[index] += 1
            self._count += 1
            self._sum += seconds
            self._window.append((status, seconds * 1000))

    def snapshot(self) -> StatsSnapshot:
        with self._lock:
            cumulative, running = [], 0
            for n in self._buckets:
                running += n
                cumulative.append(running)
            return StatsSnapshot(dict(self._by_class), cumulative, self._count, self._sum)

    def take_window(self, seconds: float) -> WindowSample:
        """Return and forget the requests recorded since the previous call."""
        with self._lock:
            window, self._window = self._window, []
        errors = sum(1 for status, _ in window if status >= 500)
        return WindowSample(seconds=seconds, requests=len(window), errors=errors, latencies_ms=[ms for _, ms in window])
