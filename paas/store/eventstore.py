"""SQLAlchemy event store: append with optimistic concurrency, read, verify the hash chain.

Appends are serialised on a one-row ``chain_head`` table (``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR
UPDATE`` on PostgreSQL), so the global chain never forks even with several processes writing at once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    RowMapping,
    Select,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    exc,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.pool import StaticPool

from paas.errors import ConcurrencyError, StoreError
from paas.store.events import GENESIS_HASH, Event, NewEvent, canonical_json, event_hash

log = logging.getLogger(__name__)

metadata = MetaData()

events_table = Table(
    "paas_events",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("stream", String(200), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("type", String(100), nullable=False, index=True),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("data", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("stream", "version", name="uq_paas_events_stream_version"),
)

chain_head = Table(
    "paas_chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("position", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)


@dataclass
class VerifyReport:
    """Result of checking the hash chain."""

    events: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain PostgreSQL URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    memory = url in ("sqlite://", "sqlite:///:memory:")
    extra = {"poolclass": StaticPool} if memory else {}
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **extra)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
        if not memory:
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("paas_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class EventStore:
    """Append-only log of events grouped in streams, hash-chained in global order."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        # An in-memory SQLite database is one connection shared by every thread: take turns on it.
        self._shared = threading.RLock() if isinstance(engine.pool, StaticPool) else contextlib.nullcontext()
        metadata.create_all(engine)
        self._ensure_head()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def _ensure_head(self) -> None:
        with self._write() as conn:
            if conn.execute(select(chain_head.c.id)).first() is None:
                conn.execute(insert(chain_head).values(id=1, position=0, hash=GENESIS_HASH))

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self._shared, self.engine.connect().execution_options(paas_write=True) as conn, conn.begin():
                yield conn
        except exc.IntegrityError as err:
            raise ConcurrencyError(f"another writer changed the store at the same time: {err.orig}") from err
        except exc.OperationalError as err:
            raise StoreError(f"the event store is unavailable ({self.url}): {err.orig}") from err

    def append(self, stream: str, events: Sequence[NewEvent], expected_version: int | None = None) -> list[Event]:
        """Append events to a stream. ``expected_version`` (0 for a new stream) guards against lost updates."""
        with self._write() as conn:
            return self._append(conn, stream, events, expected_version)

    def _append(
        self, conn: Connection, stream: str, events: Sequence[NewEvent], expected_version: int | None
    ) -> list[Event]:
        head = conn.execute(select(chain_head).where(chain_head.c.id == 1).with_for_update()).one()
        current = self._version(conn, stream)
        if expected_version is not None and current != expected_version:
            raise ConcurrencyError(
                f"stream {stream} is at version {current}, expected {expected_version}: reload and retry"
            )
        stored: list[Event] = []
        position, prev = head.position, head.hash
        now = datetime.now(UTC)
        for offset, new in enumerate(events, start=1):
            fields = {
                "position": position + offset,
                "stream": stream,
                "version": current + offset,
                "type": new.type,
                "actor": new.actor,
                "recorded_at": now,
                "data": json.loads(canonical_json(new.data)),
            }
            digest = event_hash(prev, fields)
            stored.append(Event(**fields, prev_hash=prev, hash=digest))
            prev = digest
        if stored:
            conn.execute(insert(events_table), [self._row(e) for e in stored])
            conn.execute(
                update(chain_head).where(chain_head.c.id == 1).values(position=stored[-1].position, hash=prev)
            )
        return stored

    @staticmethod
    def _row(ev: Event) -> dict[str, object]:
        return {
            "position": ev.position,
            "stream": ev.stream,
            "version": ev.version,
            "type": ev.type,
            "actor": ev.actor,
            "recorded_at": ev.recorded_at.isoformat(),
            "data": canonical_json(ev.data),
            "prev_hash": ev.prev_hash,
            "hash": ev.hash,
        }

    @staticmethod
    def _version(conn: Connection, stream: str) -> int:
        stmt = select(func.max(events_table.c.version)).where(events_table.c.stream == stream)
        return int(conn.execute(stmt).scalar() or 0)

    def stream_version(self, stream: str) -> int:
        with self._shared, self.engine.connect() as conn:
            return self._version(conn, stream)

    def read_stream(self, stream: str) -> list[Event]:
        stmt = select(events_table).where(events_table.c.stream == stream).order_by(events_table.c.version)
        return self._read(stmt)

    def read_all(
        self, after: int = 0, stream_prefix: str | None = None, limit: int | None = None, newest_first: bool = False
    ) -> list[Event]:
        """Events in global order after position ``after``, optionally only streams with a prefix."""
        stmt = select(events_table).where(events_table.c.position > after)
        if stream_prefix:
            stmt = stmt.where(events_table.c.stream.startswith(stream_prefix, autoescape=True))
        order = events_table.c.position.desc() if newest_first else events_table.c.position
        stmt = stmt.order_by(order)
        if limit:
            stmt = stmt.limit(limit)
        return self._read(stmt)

    def _read(self, stmt: Select[Any]) -> list[Event]:
        try:
            with self._shared, self.engine.connect() as conn:
                rows = conn.execute(stmt).mappings().all()
        except exc.OperationalError as err:
            raise StoreError(f"the event store is unavailable ({self.url}): {err.orig}") from err
        return [self._event(row) for row in rows]

    @staticmethod
    def _event(row: RowMapping) -> Event:
        return Event(
            position=row["position"],
            stream=row["stream"],
            version=row["version"],
            type=row["type"],
            actor=row["actor"],
            recorded_at=datetime.fromisoformat(row["recorded_at"]),
            data=json.loads(row["data"]),
            prev_hash=row["prev_hash"],
            hash=row["hash"],
        )

    def verify(self) -> VerifyReport:
        """Recompute the chain; report every event whose content or link does not match."""
        report = VerifyReport()
        prev, expected_position = GENESIS_HASH, 1
        for ev in self.read_all():
            report.events += 1
            if ev.position != expected_position:
                report.problems.append(f"event {expected_position} is missing (next is {ev.position})")
            if ev.prev_hash != prev:
                report.problems.append(f"event {ev.position}: link to the previous event is broken")
            if event_hash(ev.prev_hash, ev.model_dump()) != ev.hash:
                report.problems.append(f"event {ev.position} ({ev.type}): content was modified")
            prev, expected_position = ev.hash, ev.position + 1
        with self._shared, self.engine.connect() as conn:
            head = conn.execute(select(chain_head).where(chain_head.c.id == 1)).one()
        if head.position != expected_position - 1 or head.hash != prev:
            report.problems.append(f"the log ends at event {expected_position - 1} but the head says {head.position}")
        return report

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str) -> EventStore:
    """Open (and create if needed) the event store at a SQLAlchemy URL."""
    try:
        return EventStore(_make_engine(url))
    except exc.SQLAlchemyError as err:
        raise StoreError(f"cannot open the event store at {url}: {err}") from err
