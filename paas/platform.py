"""The platform as the layers above see it: the event store, a backend and a metrics source."""

from __future__ import annotations

from dataclasses import dataclass

from paas.ports import Backend, MetricsSource
from paas.store import EventStore


@dataclass(frozen=True)
class Platform:
    store: EventStore
    backend: Backend
    metrics: MetricsSource
