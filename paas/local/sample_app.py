"""The sample application: a small HTTP service whose behaviour per version comes from its release config.

The local engine passes a release's ``config`` as environment variables (keys upper-cased), so a catalog
can make a version slow, failing or leaky::

    releases:
      checkout:
        - {version: v2, command: python -m paas.local.sample_app, config: {latency_ms: 400}}

=============================  =================================================================
``PORT``                       port to listen on (set by the engine)
``LATENCY_MS``                 added to every request (default 0)
``LATENCY_JITTER_MS``          uniform random extra latency (default 0)
``ERROR_RATE``                 share of requests answered 500, 0..1 (default 0)
``MEMORY_GROWTH_MB_PER_MIN``   memory the process leaks per minute (default 0)
``CPU_MS``                     busy CPU time per request (default 0)
``HEALTHY``                    ``false``: the health path answers 503 (default true)
``STARTUP_SECONDS``            wait before listening (default 0)
``HEALTH_PATH``                the health path (default /health)
=============================  =================================================================

Run it alone with ``PORT=8080 python -m paas.local.sample_app``.
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType


def _flag(value: str) -> bool:
    return value.strip().lower() not in ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class Behaviour:
    """What one version of the sample app does, read from environment variables."""

    port: int
    app: str = "sample"
    version: str = "dev"
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    error_rate: float = 0.0
    memory_growth_mb_per_min: float = 0.0
    cpu_ms: float = 0.0
    healthy: bool = True
    startup_seconds: float = 0.0
    health_path: str = "/health"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Behaviour:
        num = {
            "latency_ms": "LATENCY_MS",
            "latency_jitter_ms": "LATENCY_JITTER_MS",
            "error_rate": "ERROR_RATE",
            "memory_growth_mb_per_min": "MEMORY_GROWTH_MB_PER_MIN",
            "cpu_ms": "CPU_MS",
            "startup_seconds": "STARTUP_SECONDS",
        }
        values: dict[str, object] = {k: float(env[v]) for k, v in num.items() if env.get(v)}
        return cls(
            port=int(env.get("PORT", "8080")),
            app=env.get("PAAS_APP", "sample"),
            version=env.get("PAAS_VERSION", "dev"),
            healthy=_flag(env.get("HEALTHY", "true")),
            health_path=env.get("HEALTH_PATH", "/health"),
            **values,  # type: ignore[arg-type]
        )


class SampleHandler(BaseHTTPRequestHandler):
    """Answers the health path and, for any other path, does the configured amount of 'work'."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: do not wait 40 ms on them
    server: SampleServer

    def do_GET(self) -> None:  # noqa: N802 - the http.server naming
        behaviour = self.server.behaviour
        if self.path.split("?")[0] == behaviour.health_path:
            self._health(behaviour)
            return
        self._work(behaviour)

    do_POST = do_GET  # noqa: N815
    do_PUT = do_GET  # noqa: N815

    def _health(self, behaviour: Behaviour) -> None:
        if behaviour.healthy:
            self._send(200, {"status": "ok", "version": behaviour.version})
        else:
            self._send(503, {"status": "failing", "version": behaviour.version})

    def _work(self, behaviour: Behaviour) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        delay = behaviour.latency_ms + random.uniform(0, behaviour.latency_jitter_ms)
        _burn(behaviour.cpu_ms / 1000)
        if delay > 0:
            time.sleep(delay / 1000)
        body = {"app": behaviour.app, "version": behaviour.version, "pid": os.getpid(), "path": self.path}
        if random.random() < behaviour.error_rate:
            self._send(500, {**body, "error": "simulated failure"})
        else:
            self._send(200, body)

    def _send(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep request logs out
        return


class SampleServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # socketserver's default of 5 drops connections in a burst (1 s SYN retries)

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        super().__init__(("127.0.0.1", behaviour.port), SampleHandler)


def _burn(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _leak(mb_per_min: float, stop: threading.Event) -> None:
    """Hold on to a little more memory every second, as a leaking version would."""
    hoard: list[bytearray] = []
    per_second = int(mb_per_min * 1024 * 1024 / 60)
    while not stop.wait(1.0):
        chunk = bytearray(per_second)
        chunk[::4096] = b"x" * len(chunk[::4096])  # touch the pages so they count as resident
        hoard.append(chunk)


def serve(behaviour: Behaviour) -> None:
    """Serve until SIGTERM or SIGINT, then finish the requests in flight and exit."""
    if behaviour.startup_seconds:
        time.sleep(behaviour.startup_seconds)
    server = SampleServer(behaviour)
    stop = threading.Event()
    if behaviour.memory_growth_mb_per_min > 0:
        threading.Thread(target=_leak, args=(behaviour.memory_growth_mb_per_min, stop), daemon=True).start()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


def main() -> None:
    serve(Behaviour.from_env(os.environ))


if __name__ == "__main__":
    main()
