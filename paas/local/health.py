"""HTTP health checks of replicas (on the engine's event loop) and waiting for new replicas to be ready."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from paas.local.ioloop import IoLoop
from paas.local.supervisor import Replica, ReplicaState


@dataclass(frozen=True)
class Probe:
    ok: bool
    detail: str  # "HTTP 200", "HTTP 503", "connection refused", ...


async def probe(port: int, path: str, timeout: float) -> Probe:
    """GET the health path; healthy means a 2xx answer within the timeout."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    except (OSError, TimeoutError) as err:
        return Probe(False, "connection refused" if isinstance(err, ConnectionRefusedError) else "no connection")
    try:
        writer.write(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: paas-health\r\n\r\n".encode())
        line = await asyncio.wait_for(reader.readline(), timeout)
        await asyncio.wait_for(reader.read(), timeout)  # read to the end so the server sees a clean close
        code = int(line.split()[1])
    except (OSError, TimeoutError, ValueError, IndexError):
        return Probe(False, f"no valid HTTP answer within {timeout:g}s")
    finally:
        writer.close()
    return Probe(200 <= code < 300, f"HTTP {code}")


async def probe_all(replicas: list[Replica], timeout: float) -> list[Probe]:
    return list(await asyncio.gather(*(probe(r.port, r.health_path, timeout) for r in replicas)))


def check(io: IoLoop, replicas: list[Replica], timeout: float, threshold: int) -> bool:
    """One round of checks; updates each replica's state. Returns True when any state changed."""
    if not replicas:
        return False
    results = io.run(probe_all(replicas, timeout))
    changed = False
    for replica, result in zip(replicas, results, strict=True):
        if replica.state == ReplicaState.STOPPING:
            continue
        before = replica.state
        replica.last_check = result.detail
        if result.ok:
            replica.failures = 0
            replica.last_ok = time.monotonic()
            replica.state = ReplicaState.HEALTHY
        else:
            replica.failures += 1
            if replica.state == ReplicaState.HEALTHY and replica.failures >= threshold:
                replica.state = ReplicaState.UNHEALTHY
        changed = changed or replica.state != before
    return changed


def wait_ready(io: IoLoop, replicas: list[Replica], timeout: float, interval: float = 0.1) -> dict[str, str]:
    """Poll new replicas until each passes a check, exits, or the timeout ends.

    Returns the replicas that did not become ready, by id, with the reason (empty when all are ready).
    """
    deadline = time.monotonic() + timeout
    pending = list(replicas)
    failed: dict[str, str] = {}
    while pending:
        results = io.run(probe_all(pending, min(1.0, timeout)))
        still = []
        for replica, result in zip(pending, results, strict=True):
            replica.last_check = result.detail
            if result.ok:
                replica.state = ReplicaState.HEALTHY
                replica.last_ok = time.monotonic()
            elif not replica.alive():
                failed[replica.id] = f"exited with code {replica.exit_code()} before passing a health check"
            else:
                still.append(replica)
        pending = still
        if pending and time.monotonic() >= deadline:
            for replica in pending:
                failed[replica.id] = (
                    f"GET {replica.health_path} did not succeed within {timeout:g}s (last: {replica.last_check})"
                )
            break
        if pending:
            time.sleep(interval)
    return failed
