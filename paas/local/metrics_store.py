"""Measured metrics as time series in a SQLite file in the state dir, and the MetricsSource that reads them.

The engine writes one row per app, environment, metric (and replica, for cpu and memory) every sample
interval; any process can read the file, so ``paas metrics`` works while the engine runs elsewhere.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from paas.metrics import METRICS, Series, check_metric, default_step
from paas.state import PlatformState

Row = tuple[str, str, str, str, float]  # app, environment, metric, replica ('' for the app total), value

_SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    ts REAL NOT NULL, app TEXT NOT NULL, environment TEXT NOT NULL, metric TEXT NOT NULL,
    replica TEXT NOT NULL DEFAULT '', value REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS samples_by_series ON samples (app, environment, metric, replica, ts);
"""


class MetricsStore:
    """Append and query samples; safe to share between threads, readable by other processes (WAL)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def write(self, rows: Iterable[Row], ts: float | None = None) -> None:
        when = time.time() if ts is None else ts
        values = [(when, *row) for row in rows]
        if not values:
            return
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO samples (ts, app, environment, metric, replica, value) VALUES (?, ?, ?, ?, ?, ?)",
                values,
            )
            self._db.execute("COMMIT")

    def points(
        self, app: str, environment: str, metric: str, since: float, replica: str = ""
    ) -> list[tuple[float, float]]:
        with self._lock:
            cursor = self._db.execute(
                "SELECT ts, value FROM samples WHERE app = ? AND environment = ? AND metric = ? AND replica = ?"
                " AND ts >= ? ORDER BY ts",
                (app, environment, metric, replica, since),
            )
            return [(float(ts), float(v)) for ts, v in cursor.fetchall()]

    def prune(self, older_than: float) -> int:
        """Delete samples before a unix time; returns how many went."""
        with self._lock:
            return self._db.execute("DELETE FROM samples WHERE ts < ?", (older_than,)).rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()


def downsample(points: list[tuple[float, float]], step: float) -> list[tuple[float, float]]:
    """Average the samples falling in each step-long bucket; the bucket's time is its end."""
    buckets: dict[int, list[float]] = {}
    for ts, value in points:
        buckets.setdefault(int(ts // step), []).append(value)
    return [((key + 1) * step, sum(vals) / len(vals)) for key, vals in sorted(buckets.items())]


class LocalMetrics:
    """The MetricsSource of the local engine: what its proxies and replicas measured.

    Latency percentiles of a bucket are the mean of the percentiles of the samples in it (each sample's are
    exact over its interval); request rate and error rate are means, cpu and memory sums over replicas.
    """

    def __init__(
        self,
        store: MetricsStore | Path,
        state: Callable[[], PlatformState] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._store = store if isinstance(store, MetricsStore) else MetricsStore(store)
        self._state = state
        self._clock = clock or (lambda: datetime.now(UTC))

    def query(
        self, app: str, environment: str, metric: str, window: timedelta, step: timedelta | None = None
    ) -> Series:
        check_metric(metric)
        if self._state is not None:
            self._state().get(app, environment)  # NotFoundError naming what exists
        step = step or default_step(window)
        now = self._clock().timestamp()
        raw = self._store.points(app, environment, metric, since=now - window.total_seconds())
        points = [
            (datetime.fromtimestamp(min(ts, now), UTC), round(value, 3))
            for ts, value in downsample(raw, step.total_seconds())
        ]
        return Series(app=app, environment=environment, metric=metric, unit=METRICS[metric][0], window=window,
                      step=step, points=points)
