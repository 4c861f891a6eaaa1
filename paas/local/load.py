"""A load generator: requests at a steady rate for a while, counting what failed and how long each took.

Open loop: request *i* is sent at ``start + i / rps`` whatever happened to the others (up to a cap on
requests in flight), so a slow app shows up as latency and errors instead of a lower request rate.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from paas.errors import ValidationError
from paas.local.stats import percentile

MAX_LATENCIES = 200_000  # a demo load runs for days: keep the first ones only


@dataclass
class LoadReport:
    """What a load run did: requests sent and answered, failures, latencies (ms)."""

    url: str
    rps: float
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)  # transport errors by kind
    latencies_ms: list[float] = field(default_factory=list)  # the first MAX_LATENCIES answers

    @property
    def sent(self) -> int:
        return sum(self.statuses.values()) + sum(self.errors.values())

    @property
    def failed(self) -> int:
        """Requests that got no answer or a 5xx answer."""
        return sum(self.errors.values()) + sum(n for s, n in self.statuses.items() if s >= 500)

    @property
    def achieved_rps(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    def latency(self, q: float) -> float | None:
        return percentile(sorted(self.latencies_ms), q) if self.latencies_ms else None

    def summary(self) -> str:
        p50, p99 = self.latency(50), self.latency(99)
        lat = f"p50 {p50:.1f} ms, p99 {p99:.1f} ms" if p50 is not None and p99 is not None else "no answers"
        return (f"{self.sent} requests in {self.seconds:.1f}s ({self.achieved_rps:.1f} req/s) to {self.url}: "
                f"{self.failed} failed; {lat}")


async def _one(client: httpx.AsyncClient, url: str, report: LoadReport, slots: asyncio.Semaphore) -> None:
    start = time.perf_counter()
    try:
        response = await client.get(url)
    except httpx.HTTPError as err:
        report.errors[type(err).__name__] += 1
    else:
        report.statuses[response.status_code] += 1
        if len(report.latencies_ms) < MAX_LATENCIES:
            report.latencies_ms.append((time.perf_counter() - start) * 1000)
    finally:
        slots.release()


async def _run(report: LoadReport, duration: float, stop: threading.Event, concurrency: int) -> None:
    slots = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30.0, limits=limits) as client:
        start = time.perf_counter()
        tasks: set[asyncio.Task[None]] = set()
        sent = 0
        while not stop.is_set():
            due = start + sent / report.rps
            now = time.perf_counter()
            if due - start >= duration:
                break
            if due > now:
                await asyncio.sleep(min(due - now, 0.25))
                continue
            await slots.acquire()
            task = asyncio.create_task(_one(client, report.url, report, slots))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            sent += 1
        if tasks:
            await asyncio.gather(*tasks)
        report.seconds = time.perf_counter() - start


def run_load(
    url: str, rps: float, duration: float, stop: threading.Event | None = None, concurrency: int = 64
) -> LoadReport:
    """Send GET requests to ``url`` at ``rps`` for ``duration`` seconds (or until ``stop`` is set)."""
    if rps <= 0 or duration <= 0:
        raise ValidationError("rps and duration must be positive, such as --rps 50 --duration 60s")
    report = LoadReport(url=url, rps=rps)
    asyncio.run(_run(report, duration, stop or threading.Event(), concurrency))
    return report


class BackgroundLoad:
    """A load run on a thread of its own, for demos and tests: ``start()``, then ``stop()`` for the report."""

    def __init__(self, url: str, rps: float, duration: float = 3600.0) -> None:
        self.url, self.rps, self.duration = url, rps, duration
        self._stop = threading.Event()
        self._report: LoadReport | None = None
        self._thread = threading.Thread(target=self._main, name="paas-load", daemon=True)

    def _main(self) -> None:
        self._report = run_load(self.url, self.rps, self.duration, self._stop)

    def start(self) -> BackgroundLoad:
        self._thread.start()
        return self

    def stop(self) -> LoadReport:
        self._stop.set()
        self._thread.join(timeout=60)
        assert self._report is not None, "the load thread did not finish"
        return self._report
