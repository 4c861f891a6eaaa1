"""Metric names, units, series values and duration parsing shared by every MetricsSource."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from paas.errors import ValidationError

METRICS: dict[str, tuple[str, str]] = {
    "request_rate": ("req/s", "requests per second through the app's proxy"),
    "error_rate": ("%", "share of requests answered with a 5xx status"),
    "latency_p50": ("ms", "median response time"),
    "latency_p95": ("ms", "95th percentile response time"),
    "latency_p99": ("ms", "99th percentile response time"),
    "cpu": ("%", "CPU use summed over replicas (100 = one core)"),
    "memory": ("MB", "resident memory summed over replicas"),
}

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """'90s', '30m', '1h', '2 hours', '7d' -> timedelta. Raises ValidationError on anything else."""
    match = _DURATION.match(text.lower())
    if not match:
        raise ValidationError(f"cannot read duration '{text}': use a number and a unit, such as 30m, 1h or 7d")
    value, unit = float(match.group(1)), match.group(2)[0]
    seconds = value * _UNIT_SECONDS[unit]
    if seconds <= 0:
        raise ValidationError(f"duration '{text}' must be positive")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise ValidationError(f"unknown metric '{metric}' (known metrics: {', '.join(METRICS)})")
    return metric


def default_step(window: timedelta) -> timedelta:
    """About 60 points over any window, never finer than 10 s."""
    return max(timedelta(seconds=10), window / 60)


class Series(BaseModel):
    """A metric over a window: timestamps (UTC) and values, plus a short summary."""

    model_config = ConfigDict(frozen=True)

    app: str
    environment: str
    metric: str
    unit: str
    window: timedelta
    step: timedelta
    points: list[tuple[datetime, float]]
    labels: dict[str, str] = {}

    def summary(self) -> dict[str, float | None]:
        values = [v for _, v in self.points]
        if not values:
            return {"last": None, "min": None, "max": None, "mean": None}
        return {
            "last": round(values[-1], 3),
            "min": round(min(values), 3),
            "max": round(max(values), 3),
            "mean": round(sum(values) / len(values), 3),
        }
