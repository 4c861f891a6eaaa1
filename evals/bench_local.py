"""Benchmark of the local engine: proxy overhead, time to scale up by one, time for blue/green and rolling
deploys of the sample app.

    python -m evals.bench_local [--requests 2000] [--trials 5]

The engine runs detached in its own process (as with `paas up --detach`); changes go through the
LocalBackend and the engine's control API, so times include what a CLI user waits for. Proxy overhead is
measured with one keep-alive client sending requests one after another, direct to a replica and then
through the proxy (which opens a new upstream connection per request), and with 200 req/s open-loop load.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from paas.catalog import import_catalog, parse_catalog
from paas.domain import Strategy
from paas.local.backend import LocalBackend
from paas.local.daemon import UpOptions, start_detached, stop_running
from paas.local.load import run_load
from paas.local.paths import EnginePaths
from paas.local.settings import LocalSettings
from paas.local.stats import percentile
from paas.local.supervisor import adopt
from paas.memory import InMemoryBackend
from paas.store import open_store

SAMPLE = "python -m paas.local.sample_app"
CATALOG = {
    "apps": [{"name": "bench", "environment": "local", "version": "v1", "replicas": 1}],
    "releases": {"bench": [{"version": "v1", "command": SAMPLE}, {"version": "v2", "command": SAMPLE}]},
}


def sequential_ms(port: int, requests: int) -> list[float]:
    """Latencies (ms) of GET / one after another on one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    out = []
    try:
        for _ in range(requests):
            start = time.perf_counter()
            conn.request("GET", "/")
            response = conn.getresponse()
            response.read()
            out.append((time.perf_counter() - start) * 1000)
    finally:
        conn.close()
    return out


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def latency_rows(backend: LocalBackend, paths: EnginePaths, requests: int) -> list[tuple[str, str]]:
    replica_port = adopt(paths)[0].port
    proxy_port = int(str(backend.get_status("bench", "local").url).rsplit(":", 1)[1])
    sequential_ms(replica_port, 200), sequential_ms(proxy_port, 200)  # warm up
    direct, proxied = [], []
    for _ in range(2):  # interleave to even out drift
        direct += sequential_ms(replica_port, requests // 2)
        proxied += sequential_ms(proxy_port, requests // 2)
    rows = []
    for q in (50, 99):
        d, p = percentile(sorted(direct), q), percentile(sorted(proxied), q)
        rows.append((f"sequential p{q}: direct / via proxy / added (ms)", f"{d:.2f} / {p:.2f} / {p - d:+.2f}"))
    loads = {name: run_load(f"http://127.0.0.1:{port}/", 200, 5) for name, port in
             (("direct", replica_port), ("proxy", proxy_port))}
    for q in (50, 99):
        d, p = loads["direct"].latency(q) or 0.0, loads["proxy"].latency(q) or 0.0
        rows.append((f"200 req/s p{q}: direct / via proxy / added (ms)", f"{d:.2f} / {p:.2f} / {p - d:+.2f}"))
    rows.append(("200 req/s failed requests: direct / via proxy",
                 f"{loads['direct'].failed} / {loads['proxy'].failed}"))
    return rows


def stats_row(name: str, seconds: list[float]) -> tuple[str, str]:
    return name, (f"median {statistics.median(seconds):.3f} (min {min(seconds):.3f}, max {max(seconds):.3f},"
                  f" n={len(seconds)})")


def change_rows(backend: LocalBackend, trials: int) -> list[tuple[str, str]]:
    scale_up, scale_down = [], []
    for _ in range(trials):
        scale_up.append(timed(lambda: backend.scale("bench", "local", 2, "bench")))
        scale_down.append(timed(lambda: backend.scale("bench", "local", 1, "bench")))
    backend.scale("bench", "local", 2, "bench")
    blue_green, rolling = [], []
    versions = ["v2", "v1"]
    for i in range(trials):
        version = versions[i % 2]
        blue_green.append(timed(partial(backend.deploy, "bench", "local", version, Strategy.BLUE_GREEN, "bench")))
    for i in range(trials):
        version = versions[(trials + i) % 2]
        rolling.append(timed(partial(backend.deploy, "bench", "local", version, Strategy.ROLLING, "bench")))
    return [
        stats_row("scale up by one, 1 -> 2 ready (s)", scale_up),
        stats_row("scale down by one, 2 -> 1, drained (s)", scale_down),
        stats_row("blue/green deploy, 2 replicas (s)", blue_green),
        stats_row("rolling deploy, 2 replicas (s)", rolling),
    ]


def run(requests: int, trials: int) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="paas-bench-") as tmp:
        state_dir = Path(tmp) / "state"
        store_url = f"sqlite:///{Path(tmp) / 'paas.db'}"
        start = random.randrange(20000, 50000, 100)
        settings = LocalSettings(engine_port=0, proxy_port_start=start, proxy_port_end=start + 99)
        store = open_store(store_url)
        import_catalog(store, InMemoryBackend(store).state(), parse_catalog(CATALOG), actor="bench")
        backend = LocalBackend(store, state_dir, settings)
        try:
            start_detached(UpOptions(state_dir, store_url, settings))
            deadline = time.monotonic() + 30
            while backend.get_status("bench", "local").ready_replicas != 1 and time.monotonic() < deadline:
                time.sleep(0.1)
            rows = latency_rows(backend, EnginePaths(state_dir), requests)
            rows += change_rows(backend, trials)
        finally:
            stop_running(state_dir)
            store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="sequential requests per path")
    parser.add_argument("--trials", type=int, default=5, help="repeats of each change")
    args = parser.parse_args()
    rows = run(args.requests, args.trials)
    width = max(len(name) for name, _ in rows)
    print(f"local engine benchmark ({os.cpu_count()} CPUs, sample app with no added latency)")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    main()
