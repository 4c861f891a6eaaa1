"""A local HTTP server on 127.0.0.1 that replays a script in some provider's wire format.

Subclasses say which path they serve and how a ``ScriptedReply`` looks on the wire; this module does the
HTTP: a free port, a daemon thread, keep-alive, JSON bodies and server-sent events sent chunked.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

from agent.fake_servers.script import (
    RecordedRequest,
    ScriptedError,
    ScriptedReply,
    Step,
    WireResponse,
    dumps,
    resolve,
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds an idle keep-alive connection keeps its thread
    server: _HTTPServer

    def do_POST(self) -> None:  # noqa: N802 (name fixed by http.server)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._send(WireResponse.of_json({"error": {"message": "body is not JSON"}}, status=400))
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = RecordedRequest(path=urlsplit(self.path).path, headers=headers, body=body)
        self._send(self.server.fake.answer(request))

    def _send(self, response: WireResponse) -> None:
        self.send_response(response.status)
        if response.json_body is not None:
            payload = dumps(response.json_body).encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event, data in response.events:
            block = (f"event: {event}\n" if event else "") + f"data: {data}\n\n"
            self._write_chunk(block.encode())
        self._write_chunk(b"")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (signature fixed by http.server)
        """Keep test output quiet."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeProviderServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients dropping idle keep-alive connections; report anything else as usual."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeProviderServer:
    """Base of the fake provider servers: replays script steps and records every request.

    Use it as a context manager; ``base_url`` is what to give the chat model. When the script runs out the
    server answers HTTP 400 (which the SDKs do not retry) saying so.
    """

    endpoint: ClassVar[str] = "/"
    provider: ClassVar[str] = "fake"

    def __init__(self, script: Iterable[Step] = ()) -> None:
        """Create a stopped server.

        Args:
            script: The steps to replay, one per model call.
        """
        self.received: list[RecordedRequest] = []
        self.errors: list[Exception] = []  # exceptions raised by callable steps
        self._script: list[Step] = list(script)
        self._answered = 0
        self._lock = threading.Lock()
        self._http: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Root URL of the running server, e.g. ``http://127.0.0.1:54321``."""
        if self._http is None:
            raise RuntimeError(f"the fake {self.provider} server is not running: use it in a with block")
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        """The base URL the provider's client expects."""
        return self.url

    @property
    def requests(self) -> list[dict[str, Any]]:
        """JSON bodies of the model calls received so far, oldest first."""
        return [request.body for request in self.received if request.path == self.endpoint]

    @property
    def remaining(self) -> int:
        """Script steps not yet replayed."""
        return len(self._script) - self._answered

    def add(self, *steps: Step) -> None:
        """Append steps to the script (also while running)."""
        with self._lock:
            self._script.extend(steps)

    def start(self) -> Self:
        """Listen on a free port of 127.0.0.1 and serve from a daemon thread."""
        self._http = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._http.fake = self
        self._thread = threading.Thread(
            target=self._http.serve_forever, args=(0.02,), name=f"fake-{self.provider}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def answer(self, request: RecordedRequest) -> WireResponse:
        """Record a request and answer it with the next script step."""
        with self._lock:
            self.received.append(request)
            if request.path != self.endpoint:
                return self.render_error(
                    ScriptedError(404, f"the fake server only serves POST {self.endpoint}")
                )
            if self._answered >= len(self._script):
                message = f"the fake {self.provider} script is exhausted after {self._answered} replies"
                return self.render_error(ScriptedError(400, message))
            step = self._script[self._answered]
            self._answered += 1
            number = self._answered
        try:
            outcome = resolve(step, request.body)
        except Exception as err:  # a bug in a test's callable step: report it to the test, not the SDK
            self.errors.append(err)
            outcome = ScriptedError(400, f"script step {number} raised {err!r}")
        if isinstance(outcome, ScriptedError):
            return self.render_error(outcome)
        return self.render(outcome, request.body, number)

    def render(self, reply: ScriptedReply, body: dict[str, Any], number: int) -> WireResponse:
        """Encode a reply in the provider's wire format (JSON, or events when the body asks to stream).

        Args:
            reply: The reply to send.
            body: The request body (model name, ``stream`` flag, stream options).
            number: The 1-based number of this reply in the script, used to make ids.

        Returns:
            The HTTP response.
        """
        raise NotImplementedError

    def render_error(self, error: ScriptedError) -> WireResponse:
        """Encode an HTTP error in the provider's format."""
        raise NotImplementedError
