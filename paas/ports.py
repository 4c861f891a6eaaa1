"""The ports the platform is driven through. Backends: memory (tests, evals), local engine, ECS.

A Backend owns the running state of applications; every change it makes is also appended to the event store
as a domain event (see ``paas.state``), so desired state and the audit trail share one log.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol, runtime_checkable

from paas.domain import AppState, Change, ChangeResult, Plan, Release, Strategy
from paas.metrics import Series
from paas.state import PlatformState


@runtime_checkable
class Backend(Protocol):
    """Lists, reports on and changes applications. Mutating methods are only called by the guard."""

    name: str

    def state(self) -> PlatformState:
        """The current desired state (apps, releases, deployments), caught up with the store."""
        ...

    def list_apps(self, environment: str | None = None) -> list[AppState]: ...

    def get_status(self, app: str, environment: str) -> AppState: ...

    def list_releases(self, app: str) -> list[Release]: ...

    def plan(self, change: Change) -> Plan:
        """Dry run: validate the change against the platform and describe it. Changes nothing."""
        ...

    def deploy(
        self, app: str, environment: str, version: str, strategy: Strategy, actor: str
    ) -> ChangeResult: ...

    def scale(self, app: str, environment: str, replicas: int, actor: str) -> ChangeResult: ...

    def rollback(self, app: str, environment: str, version: str | None, actor: str) -> ChangeResult: ...


@runtime_checkable
class MetricsSource(Protocol):
    """Time series per app, environment and metric name (see ``paas.metrics.METRICS``)."""

    def query(
        self, app: str, environment: str, metric: str, window: timedelta, step: timedelta | None = None
    ) -> Series: ...


class ChangeMethods:
    """The Backend's deploy/scale/rollback, for backends that carry out every change in one ``apply``."""

    def apply(self, change: Change, actor: str) -> ChangeResult:
        raise NotImplementedError

    def deploy(self, app: str, environment: str, version: str, strategy: Strategy, actor: str) -> ChangeResult:
        change = Change(kind="deploy", app=app, environment=environment, version=version, strategy=strategy)
        return self.apply(change, actor)

    def scale(self, app: str, environment: str, replicas: int, actor: str) -> ChangeResult:
        return self.apply(Change(kind="scale", app=app, environment=environment, replicas=replicas), actor)

    def rollback(self, app: str, environment: str, version: str | None, actor: str) -> ChangeResult:
        return self.apply(Change(kind="rollback", app=app, environment=environment, version=version), actor)


def apply_change(backend: Backend, change: Change, actor: str) -> ChangeResult:
    """Dispatch a Change to the backend method that carries it out."""
    if change.kind == "deploy":
        assert change.version is not None
        return backend.deploy(
            change.app, change.environment, change.version, change.strategy or Strategy.ROLLING, actor
        )
    if change.kind == "scale":
        assert change.replicas is not None
        return backend.scale(change.app, change.environment, change.replicas, actor)
    return backend.rollback(change.app, change.environment, change.version, actor)
