"""The reverse proxy in front of one app in one environment (asyncio streams, HTTP/1.1).

Clients keep their connection open; each request goes to the next healthy replica (round robin) on a fresh
upstream connection, so taking a replica out of the pool and waiting for its in-flight requests is all a
drain needs. A replica that refuses the connection is skipped and the request tried on another one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from paas.local.stats import RequestStats
from paas.local.supervisor import Replica

log = logging.getLogger(__name__)

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"})
MAX_HEAD = 64 * 1024
CHUNK = 64 * 1024


class UpstreamError(Exception):
    """The replica did not answer with a response head; ``retry`` when the request may go to another."""

    def __init__(self, message: str, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)

    @property
    def keep_alive(self) -> bool:
        connection = (self.header("connection") or "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


def parse_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    return lines[0], headers


def simple_response(status: int, reason: str, text: str, keep_alive: bool) -> bytes:
    body = (text + "\n").encode()
    connection = "keep-alive" if keep_alive else "close"
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
        f"Connection: {connection}\r\n\r\n"
    )
    return head.encode() + body


class Proxy:
    """Listens on 127.0.0.1:port and forwards to ``members`` (set on the loop thread only)."""

    def __init__(self, name: str, port: int, stats: RequestStats, upstream_timeout: float = 60.0) -> None:
        self.name = name
        self.port = port
        self.stats = stats
        self.upstream_timeout = upstream_timeout
        self.members: list[Replica] = []
        self._next = 0
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._client, "127.0.0.1", self.port, limit=MAX_HEAD, reuse_address=True, backlog=1024
        )

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._clients):
            writer.close()
        self._clients.clear()

    def set_members(self, replicas: list[Replica]) -> None:
        self.members = list(replicas)

    def _pick(self, tried: set[str]) -> Replica | None:
        candidates = [r for r in self.members if r.id not in tried]
        if not candidates:
            return None
        self._next = (self._next + 1) % len(candidates)
        return candidates[self._next]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        try:
            while await self._serve_one(reader, writer):
                pass
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as err:
            log.debug("%s: client connection ended: %r", self.name, err)
        finally:
            self._clients.discard(writer)
            writer.close()

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; True when the client connection stays open for another."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        start = time.perf_counter()
        line, headers = parse_head(head)
        method, target, version = line.split(" ", 2)
        request = Request(method, target, version, headers)
        if (request.header("transfer-encoding") or "").lower() == "chunked":
            writer.write(simple_response(411, "Length Required", "send a Content-Length body", False))
            await writer.drain()
            self.stats.record(411, time.perf_counter() - start)
            return False
        if (request.header("expect") or "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            request.headers = [(k, v) for k, v in request.headers if k.lower() != "expect"]
        request.body = await reader.readexactly(int(request.header("content-length") or 0))
        status, keep = await self._forward(request, writer)
        self.stats.record(status, time.perf_counter() - start)
        return keep

    async def _forward(self, request: Request, writer: asyncio.StreamWriter) -> tuple[int, bool]:
        tried: set[str] = set()
        while (replica := self._pick(tried)) is not None:
            tried.add(replica.id)
            replica.inflight += 1
            try:
                return await self._exchange(replica, request, writer)
            except UpstreamError as err:
                log.debug("%s: replica %s failed: %s", self.name, replica.id, err)
                if not err.retry:
                    break
            finally:
                replica.inflight -= 1
        if not tried:
            writer.write(simple_response(503, "Service Unavailable", f"{self.name}: no healthy replica",
                                         request.keep_alive))
            await writer.drain()
            return 503, request.keep_alive
        writer.write(simple_response(502, "Bad Gateway", f"{self.name}: no replica answered", request.keep_alive))
        await writer.drain()
        return 502, request.keep_alive

    async def _exchange(self, replica: Replica, request: Request, writer: asyncio.StreamWriter) -> tuple[int, bool]:
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", replica.port, limit=MAX_HEAD), 5.0
            )
        except (OSError, TimeoutError) as err:
            raise UpstreamError(f"cannot connect: {err}", retry=True) from err
        try:
            up_writer.write(self._upstream_request(request))
            try:
                head = await asyncio.wait_for(up_reader.readuntil(b"\r\n\r\n"), self.upstream_timeout)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as err:
                raise UpstreamError(f"no response: {err!r}", retry=request.method in IDEMPOTENT) from err
            except TimeoutError as err:
                raise UpstreamError(f"no response within {self.upstream_timeout:g}s", retry=False) from err
            return await self._relay(request, head, up_reader, writer)
        finally:
            up_writer.close()

    @staticmethod
    def _upstream_request(request: Request) -> bytes:
        lines = [f"{request.method} {request.target} HTTP/1.1"]
        lines += [f"{k}: {v}" for k, v in request.headers if k.lower() not in HOP_BY_HOP]
        lines += ["Connection: close", "X-Forwarded-For: 127.0.0.1", "X-Forwarded-Proto: http"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.body

    async def _relay(
        self, request: Request, head: bytes, up_reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> tuple[int, bool]:
        line, headers = parse_head(head)
        status = int(line.split(" ", 2)[1])
        length_text = next((v for k, v in headers if k.lower() == "content-length"), None)
        length = int(length_text) if length_text is not None else None
        no_body = request.method == "HEAD" or status in (204, 304) or status < 200
        keep = request.keep_alive and (no_body or length is not None)
        kept = [f"{k}: {v}" for k, v in headers if k.lower() not in HOP_BY_HOP]
        out = "\r\n".join([line, *kept, f"Connection: {'keep-alive' if keep else 'close'}"]) + "\r\n\r\n"
        writer.write(out.encode("latin-1"))
        if not no_body:
            await self._copy(up_reader, writer, length)
        await writer.drain()
        return status, keep

    async def _copy(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, length: int | None) -> None:
        remaining = length
        while remaining is None or remaining > 0:
            size = CHUNK if remaining is None else min(CHUNK, remaining)
            chunk = await asyncio.wait_for(reader.read(size), self.upstream_timeout)
            if not chunk:
                if remaining:
                    raise ConnectionError("replica closed the connection mid-response")
                return
            writer.write(chunk)
            if remaining is not None:
                remaining -= len(chunk)
            await writer.drain()

