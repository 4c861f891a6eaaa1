"""``LocalBackend``: the Backend port over the local engine.

Reads (state, releases, plans) come straight from the store, as with the in-memory backend. Changes are
carried out by the engine, which records them as domain events with their real outcome: in-process when
the backend is given the engine, otherwise through the engine's control API (``paas up`` elsewhere).
"""

from __future__ import annotations

import logging
from pathlib import Path

from paas.domain import AppState, Change, ChangeResult, Health, Plan, Release
from paas.errors import BackendError
from paas.local.control import EngineClient, running_engine
from paas.local.engine import LocalEngine
from paas.local.paths import EnginePaths
from paas.local.settings import LocalSettings
from paas.memory import InMemoryBackend
from paas.ports import ChangeMethods
from paas.state import PlatformState
from paas.store import EventStore

log = logging.getLogger(__name__)


class LocalBackend(ChangeMethods):
    """Applications as real processes on this machine, run by a ``LocalEngine``."""

    name = "local"

    def __init__(
        self,
        store: EventStore,
        state_dir: Path,
        settings: LocalSettings | None = None,
        engine: LocalEngine | None = None,
    ) -> None:
        self.store = store
        self.paths = EnginePaths(Path(state_dir))
        self.settings = settings or LocalSettings()
        self.engine = engine
        self._desired = InMemoryBackend(store)  # the read model; its apply() is never used here

    def state(self) -> PlatformState:
        return self._desired.state()

    def list_apps(self, environment: str | None = None) -> list[AppState]:
        apps = self._observed_all()
        return [a for a in apps if environment is None or a.environment == environment]

    def get_status(self, app: str, environment: str) -> AppState:
        desired = self.state().get(app, environment)
        found = next((a for a in self._observed_all() if a.ref == desired.ref), None)
        return found or _not_running(desired)

    def list_releases(self, app: str) -> list[Release]:
        return self._desired.list_releases(app)

    def plan(self, change: Change) -> Plan:
        return self._desired.plan(change)

    def apply(self, change: Change, actor: str) -> ChangeResult:
        """Validate here (clear errors even with no engine), then let the engine carry the change out."""
        self.plan(change)
        if self.engine is not None:
            return self.engine.apply(change, actor)
        client = EngineClient.connect(self.paths, self.settings.change_timeout_seconds)
        try:
            return client.apply(change, actor)
        finally:
            client.close()

    def engine_url(self) -> str | None:
        """The URL of the running engine's endpoint (``/metrics``), if one runs."""
        if self.engine is not None:
            return self.engine.info.url
        info = running_engine(self.paths)
        return info.url if info else None

    def _observed_all(self) -> list[AppState]:
        if self.engine is not None:
            return self.engine.observed_all()
        desired = sorted(self.state().apps.values(), key=lambda a: (a.app, a.environment))
        try:
            client = EngineClient.connect(self.paths, 10.0)
        except BackendError:
            return [_not_running(a) for a in desired]
        try:
            return client.status()
        except BackendError as err:
            log.warning("cannot read the engine's status: %s", err)
            return [_not_running(a) for a in desired]
        finally:
            client.close()


def _not_running(app: AppState) -> AppState:
    """What runs when the engine is down: nothing."""
    return app.model_copy(update={"ready_replicas": 0, "health": Health.STOPPED, "url": None})
