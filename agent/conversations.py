"""Where conversations persist: a LangGraph checkpointer on SQLite (state dir) or PostgreSQL (store URL)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver

from paas.errors import StoreError


def libpq_url(url: str) -> str:
    """SQLAlchemy's postgresql+psycopg:// URL as the plain libpq URL psycopg expects."""
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix):]
    return url


def open_checkpointer(database_url: str | None, state_dir: Path) -> BaseCheckpointSaver:
    """SQLite in the state dir by default; PostgreSQL when the event store is PostgreSQL."""
    if database_url and database_url.startswith(("postgresql", "postgres")):
        return _postgres(libpq_url(database_url))
    state_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(state_dir / "conversations.db", check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    return SqliteSaver(conn)


def _postgres(url: str) -> BaseCheckpointSaver:
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row

    try:
        conn = psycopg.connect(url, autocommit=True, prepare_threshold=0, row_factory=dict_row)
    except psycopg.Error as err:
        raise StoreError(f"cannot open the conversation store at {url}: {err}") from err
    saver = PostgresSaver(conn)
    saver.setup()
    return saver


def close_checkpointer(saver: BaseCheckpointSaver) -> None:
    conn = getattr(saver, "conn", None)
    if conn is not None:
        conn.close()
