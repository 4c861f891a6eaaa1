"""Benchmark: per-turn latency of the offline model through the whole agent loop, and the agent's own overhead.

    python -m evals.bench_agent [--turns 200]

Each turn goes through run_turn: LangGraph, the guard (validation, RBAC, policy, approval request), the
SQLite event store and checkpointer. "Overhead" is turn time minus time inside the model.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from integrations.runtime import build_agent, build_runtime
from paas.catalog import DEMO_CATALOG, import_catalog, load_catalog
from paas.settings import Settings

PROMPTS = [
    "what is running in prod?",
    "how is checkout doing in staging?",
    "show me the p95 latency of web in prod over the last hour",
    "error rate of payments in staging, last 30 minutes",
    "scale checkout in staging to 5",
    "deploy v1.4.0 of checkout to staging",
    "roll back web in prod",
    "any pending approvals?",
    "what changed recently?",
    "cpu of web in staging today",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(turns: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        rt = build_runtime(Settings.load(state_dir=Path(tmp), backend="memory"))
        import_catalog(rt.store, rt.platform.backend.state(), load_catalog(DEMO_CATALOG), rt.user)
        agent = build_agent(rt, "offline")
        principal = rt.principal()
        results: dict[str, list[float]] = {"turn": [], "model": [], "overhead": []}
        list(agent.run_turn("warm-up", principal, PROMPTS[0]))
        for i in range(turns):
            started = time.perf_counter()
            usage = [e for e in agent.run_turn(f"bench-{i}", principal, PROMPTS[i % len(PROMPTS)])
                     if e.kind == "usage"][0].data
            elapsed = time.perf_counter() - started
            results["turn"].append(elapsed * 1000)
            results["model"].append(usage["model_seconds"] * 1000)
            results["overhead"].append((elapsed - usage["model_seconds"]) * 1000)
        rt.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args()
    results = run(args.turns)
    print(f"offline model, {args.turns} turns through run_turn (SQLite store and checkpointer)")
    print(f"{'ms per turn':<28}{'median':>10}{'p99':>10}{'mean':>10}")
    for name, label in (("turn", "whole turn"), ("model", "inside the model"), ("overhead", "agent overhead")):
        values = results[name]
        print(f"{label:<28}{statistics.median(values):>10.1f}{percentile(values, 0.99):>10.1f}"
              f"{statistics.fmean(values):>10.1f}")


if __name__ == "__main__":
    main()
