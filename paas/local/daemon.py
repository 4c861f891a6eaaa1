"""``paas up`` / ``paas down``: run the engine in the foreground or detached, and stop it from anywhere.

A detached engine is this module run as ``python -m paas.local.daemon up ...`` in a session of its own,
its output in ``<state_dir>/local/logs/engine.log``. ``down`` signals the pid in ``engine.json`` and then
stops any replica a pid file still names, so nothing is left running even after a ``kill -9``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from paas.catalog import DEMO_CATALOG, import_catalog, load_catalog
from paas.errors import BackendError
from paas.local import supervisor
from paas.local.control import EngineInfo, read_info, running_engine
from paas.local.engine import LocalEngine
from paas.local.load import BackgroundLoad
from paas.local.paths import EnginePaths
from paas.local.settings import LocalSettings
from paas.memory import InMemoryBackend
from paas.store import EventStore, open_store

log = logging.getLogger(__name__)
_DEMO_WEIGHT = {"web": 2.0, "checkout": 1.0, "payments": 0.5}
_ENV_WEIGHT = {"prod": 2.0, "staging": 0.5}
STORE_URL_VARIABLE = "PAAS_ENGINE_STORE_URL"


@dataclass(frozen=True)
class UpOptions:
    """What ``paas up`` starts: the store, the state dir, the engine settings, and the demo or not."""

    state_dir: Path
    store_url: str
    settings: LocalSettings
    demo: bool = False


def import_demo(store: EventStore) -> int:
    """Register the demo apps and releases (idempotent); returns how many were added."""
    return import_catalog(store, InMemoryBackend(store).state(), load_catalog(DEMO_CATALOG), actor="paas-demo")


def demo_traffic(engine: LocalEngine, rps: float) -> list[BackgroundLoad]:
    """Steady background requests to every demo app, more to prod and to web."""
    loads = []
    for app in engine.observed_all():
        weight = _DEMO_WEIGHT.get(app.app, 0) * _ENV_WEIGHT.get(app.environment, 1.0)
        if weight and rps and app.url:
            loads.append(BackgroundLoad(app.url + "/", rps * weight, duration=365 * 86400).start())
    return loads


def run(options: UpOptions, on_ready: Callable[[LocalEngine], None] | None = None,
        stop: threading.Event | None = None) -> None:
    """Run the engine until SIGINT/SIGTERM (or ``stop``), then stop every replica it runs."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
    store = open_store(options.store_url)
    try:
        if options.demo:
            import_demo(store)
        engine = LocalEngine(store, options.state_dir, options.settings).start()
        loads = demo_traffic(engine, options.settings.demo_rps) if options.demo else []
        try:
            if on_ready is not None:
                on_ready(engine)
            while not stop.wait(0.5):
                pass
        finally:
            for load in loads:
                load.stop()
            engine.stop()
    finally:
        store.close()


def start_detached(options: UpOptions, timeout: float = 30.0) -> EngineInfo:
    """Start the engine in the background and wait until its control API answers."""
    paths = EnginePaths(options.state_dir).ensure()
    other = running_engine(paths)
    if other is not None:
        raise BackendError(f"an engine already runs for {options.state_dir} (pid {other.pid}): `paas down` stops it")
    argv = [sys.executable, "-m", "paas.local.daemon", "up", "--state-dir", str(options.state_dir),
            "--settings", options.settings.model_dump_json()]
    if options.demo:
        argv.append("--demo")
    env = dict(os.environ)
    env[STORE_URL_VARIABLE] = options.store_url  # not on the command line, where `ps` would show a password
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(supervisor.PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    log_path = paths.logs_dir / "engine.log"
    with log_path.open("ab") as out:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,  # noqa: S603
                                 start_new_session=True, env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise BackendError(f"the engine exited with code {child.returncode}: see {log_path}")
        info = read_info(paths)
        if info is not None and info.pid == child.pid and _answers(info):
            return info
        time.sleep(0.1)
    child.terminate()
    raise BackendError(f"the engine did not start within {timeout:g}s: see {log_path}")


def _answers(info: EngineInfo) -> bool:
    try:
        return httpx.get(info.url + "/api/health", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass(frozen=True)
class DownReport:
    engine_pid: int | None  # the engine that was stopped, if one ran
    leftovers: int  # replicas stopped from their pid files (the engine had died without stopping them)


def stop_running(state_dir: Path, grace: float = 5.0, timeout: float = 60.0) -> DownReport:
    """Stop the engine of a state dir (SIGTERM, then SIGKILL after ``timeout``) and any replica left."""
    paths = EnginePaths(state_dir).ensure()
    info = read_info(paths)
    pid = None
    if info is not None and info.alive():
        pid = info.pid
        proc = psutil.Process(pid)
        proc.send_signal(signal.SIGTERM)
        _gone, alive = psutil.wait_procs([proc], timeout=timeout)
        if alive:
            log.warning("the engine (pid %s) did not stop within %.0fs: killing it", pid, timeout)
            proc.kill()
            psutil.wait_procs([proc], timeout=5)
    paths.engine_file.unlink(missing_ok=True)
    leftovers = supervisor.sweep(paths, grace)
    return DownReport(engine_pid=pid, leftovers=len(leftovers))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m paas.local.daemon", description="Run the local engine.")
    parser.add_argument("command", choices=["up", "down"])
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--store-url", default=None, help=f"default: ${STORE_URL_VARIABLE}, else the state dir")
    parser.add_argument("--settings", default="{}", help="LocalSettings as JSON")
    parser.add_argument("--demo", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = LocalSettings.model_validate_json(args.settings)
    if args.command == "down":
        print(stop_running(args.state_dir, settings.stop_grace_seconds))
        return
    store_url = args.store_url or os.environ.get(STORE_URL_VARIABLE) or f"sqlite:///{args.state_dir / 'paas.db'}"
    run(UpOptions(args.state_dir, store_url, settings, args.demo))


if __name__ == "__main__":
    main()
