"""The in-memory backend: runs nothing; the platform is exactly the event-sourced read model.

It serves tests and evals (with an in-memory SQLite store) and is a faithful simulator with a file store:
every change is a domain event, so another process sees it and a restart loses nothing.
"""

from __future__ import annotations

import threading

from paas.changes import change_events, plan_change
from paas.domain import AppState, Change, ChangeResult, Health, Plan, Release
from paas.errors import ConcurrencyError
from paas.ports import ChangeMethods
from paas.state import PlatformState, app_stream
from paas.store import EventStore

_RETRIES = 3


class InMemoryBackend(ChangeMethods):
    """A Backend whose apps are always exactly as desired (healthy when they have replicas)."""

    name = "memory"

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._state = PlatformState()
        self._lock = threading.Lock()

    def state(self) -> PlatformState:
        with self._lock:
            for ev in self.store.read_all(after=self._state.position):
                self._state.apply(ev)
            return self._state

    def list_apps(self, environment: str | None = None) -> list[AppState]:
        apps = self.state().apps.values()
        return [self._observed(a) for a in sorted(apps, key=lambda a: (a.app, a.environment))
                if environment is None or a.environment == environment]

    def get_status(self, app: str, environment: str) -> AppState:
        return self._observed(self.state().get(app, environment))

    def list_releases(self, app: str) -> list[Release]:
        state = self.state()
        if app not in state.app_names:
            state.get(app, "")
        return list(state.releases.get(app, {}).values())

    def plan(self, change: Change) -> Plan:
        return plan_change(self.state(), change)

    def apply(self, change: Change, actor: str) -> ChangeResult:
        """Validate against the latest state and append the change's events; retry if another writer won."""
        for attempt in range(_RETRIES):
            state = self.state()
            plan_change(state, change)
            before = state.get(change.app, change.environment)
            stream = app_stream(change.app, change.environment)
            events = [e.model_copy(update={"actor": actor}) for e in change_events(state, change)]
            try:
                self.store.append(stream, events, expected_version=state.stream_version(stream))
            except ConcurrencyError:
                if attempt == _RETRIES - 1:
                    raise
                continue
            after = self.state().get(change.app, change.environment)
            return ChangeResult(change=change, before=self._observed(before), after=self._observed(after))
        raise AssertionError("unreachable")

    @staticmethod
    def _observed(app: AppState) -> AppState:
        health = Health.HEALTHY if app.replicas > 0 and app.version else Health.STOPPED
        return app.model_copy(update={"ready_replicas": app.replicas, "health": health})
