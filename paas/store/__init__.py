"""The append-only, hash-chained event store (SQLAlchemy 2: SQLite by default, PostgreSQL by URL)."""

from paas.store.events import Event, NewEvent
from paas.store.eventstore import EventStore, open_store

__all__ = ["Event", "EventStore", "NewEvent", "open_store"]
