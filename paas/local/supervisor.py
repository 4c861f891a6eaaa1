"""Replica processes: start from a release, stop cleanly, and find again after an engine restart.

Every replica runs in its own session (so Ctrl-C on the terminal reaches only the engine, which then stops
them in order) and has a pid file in the state dir, with its start time so a reused pid is never mistaken
for it. A restarted engine adopts the replicas that still run and the store says are wanted.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import psutil

from paas.domain import Release
from paas.errors import BackendError
from paas.local.paths import EnginePaths

log = logging.getLogger(__name__)

SAMPLE_APP_COMMAND = "python -m paas.local.sample_app"
PROJECT_ROOT = Path(__file__).resolve().parents[2]  # so `python -m paas...` works uninstalled
_counter = itertools.count(1)


class ReplicaState(StrEnum):
    STARTING = "starting"  # running, not yet passed a health check
    HEALTHY = "healthy"  # receives traffic
    UNHEALTHY = "unhealthy"  # failed checks in a row: out of the proxy until it passes again
    STOPPING = "stopping"  # draining or being stopped on purpose


@dataclass(eq=False)
class Replica:
    """One process of one version of an app in an environment."""

    id: str
    app: str
    environment: str
    version: str
    port: int
    pid: int
    create_time: float
    health_path: str = "/health"
    popen: subprocess.Popen[bytes] | None = None
    state: ReplicaState = ReplicaState.STARTING
    failures: int = 0  # failed health checks in a row
    inflight: int = 0  # requests the proxy is forwarding to it (changed on the proxy loop only)
    started_at: float = field(default_factory=time.monotonic)
    last_ok: float = field(default_factory=time.monotonic)  # last passed check (or start)
    last_check: str = ""
    _ps: psutil.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def uptime(self) -> float:
        return time.monotonic() - self.started_at

    def process(self) -> psutil.Process | None:
        if self._ps is None:
            with contextlib.suppress(psutil.Error):
                self._ps = psutil.Process(self.pid)
        return self._ps

    def alive(self) -> bool:
        if self.popen is not None:
            return self.popen.poll() is None
        proc = self.process()
        try:
            return proc is not None and proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def exit_code(self) -> int | None:
        return self.popen.poll() if self.popen is not None else None

    def record(self) -> dict[str, Any]:
        keys = ("id", "app", "environment", "version", "port", "pid", "create_time", "health_path")
        return {k: getattr(self, k) for k in keys}


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def command_for(release: Release, port: int) -> list[str]:
    """The argv of a release: its command (``{port}`` filled in), or the sample app when it has none."""
    argv = shlex.split((release.command or SAMPLE_APP_COMMAND).replace("{port}", str(port)))
    if argv and argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    return argv


def environment_for(release: Release, environment: str, port: int, base: dict[str, str]) -> dict[str, str]:
    """Process environment: the engine's, the release config (keys upper-cased), PORT and PAAS_* names."""
    env = dict(base)
    root = str(PROJECT_ROOT)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    for key, value in release.config.items():
        env[key.upper()] = value if isinstance(value, str) else json.dumps(value)
    env.update(
        PORT=str(port),
        PAAS_APP=release.app,
        PAAS_ENVIRONMENT=environment,
        PAAS_VERSION=release.version,
        HEALTH_PATH=release.health_path,
    )
    return env


def spawn(release: Release, environment: str, paths: EnginePaths) -> Replica:
    """Start one replica process of a release on a free port and write its pid file."""
    port = free_port()
    rid = f"{release.app}-{environment}-{next(_counter)}-{uuid.uuid4().hex[:4]}"
    argv = command_for(release, port)
    env = environment_for(release, environment, port, dict(os.environ))
    log_path = paths.logs_dir / f"{release.app}-{environment}.log"
    try:
        with log_path.open("ab") as out:
            popen = subprocess.Popen(  # noqa: S603 - the command comes from a registered release
                argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, cwd=paths.root,
            )
    except OSError as err:
        raise BackendError(
            f"cannot start {release.app} {release.version} with `{shlex.join(argv)}`: {err}; "
            "fix the release command"
        ) from err
    try:
        create_time = psutil.Process(popen.pid).create_time()
    except psutil.Error:
        create_time = 0.0
    replica = Replica(
        id=rid, app=release.app, environment=environment, version=release.version, port=port, pid=popen.pid,
        create_time=create_time, health_path=release.health_path, popen=popen,
    )
    _pid_file(paths, replica.id).write_text(json.dumps(replica.record()))
    log.info("started %s (%s) pid %s on port %s", rid, release.version, popen.pid, port)
    return replica


def stop(replica: Replica, paths: EnginePaths, grace: float) -> None:
    """SIGTERM the replica's process group, SIGKILL it after ``grace`` seconds, remove its pid file."""
    replica.state = ReplicaState.STOPPING
    if replica.alive():
        _signal(replica, signal.SIGTERM)
        if not _wait(replica, grace):
            log.warning("replica %s ignored SIGTERM for %.1fs: killing it", replica.id, grace)
            _signal(replica, signal.SIGKILL)
            _wait(replica, 5.0)
    _pid_file(paths, replica.id).unlink(missing_ok=True)
    log.info("stopped %s (pid %s)", replica.id, replica.pid)


def _signal(replica: Replica, signum: int) -> None:
    try:
        if os.getpgid(replica.pid) == replica.pid:
            os.killpg(replica.pid, signum)
        else:
            os.kill(replica.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _wait(replica: Replica, timeout: float) -> bool:
    """Wait for the process to end; an adopted one counts as ended once it is a zombie (init reaps it)."""
    if replica.popen is not None:
        try:
            replica.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    deadline = time.monotonic() + timeout
    while replica.alive():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def _pid_file(paths: EnginePaths, replica_id: str) -> Path:
    return paths.replicas_dir / f"{replica_id}.json"


def adopt(paths: EnginePaths) -> list[Replica]:
    """Replicas left running by an engine that stopped without stopping them; stale pid files are removed."""
    found = []
    for path in sorted(paths.replicas_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text())
            replica = Replica(**data)
        except (OSError, ValueError, TypeError):
            log.warning("ignoring unreadable pid file %s", path)
            path.unlink(missing_ok=True)
            continue
        if _same_process(replica):
            found.append(replica)
        else:
            path.unlink(missing_ok=True)
    return found


def _same_process(replica: Replica) -> bool:
    try:
        proc = psutil.Process(replica.pid)
        same = abs(proc.create_time() - replica.create_time) < 0.01
        return same and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def sweep(paths: EnginePaths, grace: float) -> list[Replica]:
    """Stop every replica a pid file names (what ``paas down`` does after the engine is gone)."""
    leftovers = adopt(paths)
    for replica in leftovers:
        stop(replica, paths, grace)
    return leftovers
