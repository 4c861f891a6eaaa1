"""The engine's HTTP endpoint on 127.0.0.1: ``/metrics`` for Prometheus and a small control API.

Other processes (the CLI, the web app) find the engine through ``<state_dir>/engine.json`` (pid, URL and
a random token, readable by the owner only) and send changes to ``POST /api/changes`` with the token.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import httpx
import psutil

from paas import errors
from paas.domain import AppState, Change, ChangeResult
from paas.errors import BackendError, PaasError
from paas.local.paths import EnginePaths

if TYPE_CHECKING:
    from paas.local.engine import LocalEngine

log = logging.getLogger(__name__)
NOT_RUNNING = "the local engine is not running: start it with `paas up` (or `paas up --detach`)"


@dataclass(frozen=True)
class EngineInfo:
    pid: int
    url: str
    token: str
    create_time: float = 0.0  # of the engine process, so a reused pid is not taken for it

    def alive(self) -> bool:
        try:
            proc = psutil.Process(self.pid)
            same = not self.create_time or abs(proc.create_time() - self.create_time) < 0.01
            return same and proc.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False


def read_info(paths: EnginePaths) -> EngineInfo | None:
    try:
        return EngineInfo(**json.loads(paths.engine_file.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def running_engine(paths: EnginePaths) -> EngineInfo | None:
    """The engine running for this state dir, if any (a stale engine.json is ignored)."""
    info = read_info(paths)
    return info if info is not None and info.alive() and info.pid != os.getpid() else None


class ControlServer:
    """Serves ``/metrics``, ``/api/health``, ``/api/status`` and ``/api/changes`` for one engine."""

    def __init__(self, engine: LocalEngine, port: int) -> None:
        self.engine = engine
        self.token = secrets.token_urlsafe(24)
        try:
            self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        except OSError as err:
            raise BackendError(f"cannot listen on 127.0.0.1:{port} ({err}): set local.engine_port "
                               "(PAAS_LOCAL__ENGINE_PORT) to a free port, or 0 for any") from err
        self.httpd.daemon_threads = True
        self.httpd.control = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="paas-control", daemon=True)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def info(self) -> EngineInfo:
        return EngineInfo(pid=os.getpid(), url=self.url, token=self.token,
                          create_time=psutil.Process().create_time())

    def start(self) -> ControlServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self.httpd.shutdown()
        self.httpd.server_close()

    def write_info(self, paths: EnginePaths) -> None:
        tmp = paths.engine_file.with_suffix(".tmp")
        tmp.touch(mode=0o600)
        tmp.write_text(json.dumps(asdict(self.info)))
        tmp.replace(paths.engine_file)

    def remove_info(self, paths: EnginePaths) -> None:
        info = read_info(paths)
        if info is not None and info.pid == os.getpid():
            paths.engine_file.unlink(missing_ok=True)


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    server: ThreadingHTTPServer

    @property
    def control(self) -> ControlServer:
        return self.server.control  # type: ignore[attr-defined]

    def do_GET(self) -> None:  # noqa: N802
        engine = self.control.engine
        if self.path == "/metrics":
            self._send(200, engine.prometheus_text().encode(), "text/plain; version=0.0.4; charset=utf-8")
        elif self.path == "/api/health":
            self._json(200, {"status": "ok", "pid": os.getpid()})
        elif self.path == "/api/status" and self._authorised():
            self._json(200, {"apps": [a.model_dump(mode="json") for a in engine.observed_all()]})
        elif not self.path.startswith("/api/"):
            self._json(404, {"error": "NotFoundError", "message": f"no such path {self.path}"})

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/api/changes":
            self._json(404, {"error": "NotFoundError", "message": f"no such path {self.path}"})
            return
        if not self._authorised():
            return
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            result = self.control.engine.apply(Change.model_validate(body["change"]), str(body["actor"]))
        except PaasError as err:
            self._json(409 if isinstance(err, BackendError) else 400,
                       {"error": type(err).__name__, "message": str(err)})
            return
        except (ValueError, KeyError) as err:
            self._json(400, {"error": "ValidationError", "message": f"malformed change request: {err}"})
            return
        self._json(200, result.model_dump(mode="json"))

    def _authorised(self) -> bool:
        if secrets.compare_digest(self.headers.get("Authorization", ""), f"Bearer {self.control.token}"):
            return True
        self._json(401, {"error": "PermissionDeniedError", "message": "missing or wrong engine token"})
        return False

    def _json(self, status: int, body: dict[str, Any]) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        log.debug("control: " + format, *args)


class EngineClient:
    """Talks to a running engine from another process."""

    def __init__(self, info: EngineInfo, timeout: float) -> None:
        self.info = info
        self._http = httpx.Client(base_url=info.url, timeout=timeout,
                                  headers={"Authorization": f"Bearer {info.token}"})

    @classmethod
    def connect(cls, paths: EnginePaths, timeout: float) -> EngineClient:
        info = running_engine(paths)
        if info is None:
            raise BackendError(NOT_RUNNING)
        return cls(info, timeout)

    def status(self) -> list[AppState]:
        return [AppState.model_validate(a) for a in self._get("/api/status")["apps"]]

    def apply(self, change: Change, actor: str) -> ChangeResult:
        body = {"change": change.model_dump(mode="json"), "actor": actor}
        return ChangeResult.model_validate(self._call("POST", "/api/changes", body))

    def _get(self, path: str) -> dict[str, Any]:
        return self._call("GET", path, None)

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.HTTPError as err:
            raise BackendError(f"{NOT_RUNNING} ({self.info.url}: {err})") from err
        data: dict[str, Any] = response.json()
        if response.status_code != 200:
            kind = getattr(errors, str(data.get("error")), BackendError)
            kind = kind if isinstance(kind, type) and issubclass(kind, PaasError) else BackendError
            raise kind(str(data.get("message")))
        return data

    def close(self) -> None:
        self._http.close()
