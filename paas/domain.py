"""The platform's domain model: applications, environments, releases, deployments.

Values here are immutable pydantic models; the current state is rebuilt from events (see ``paas.state``).
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


class Strategy(StrEnum):
    ROLLING = "rolling"
    BLUE_GREEN = "blue_green"


class DeploymentStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"


class Health(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    DOWN = "down"
    STOPPED = "stopped"
    UNKNOWN = "unknown"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Release(Frozen):
    """A deployable version of an application."""

    app: str
    version: str
    command: str | None = None
    image: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    notes: str = ""
    health_path: str = "/health"


class Deployment(Frozen):
    """One roll-out of a release into an environment."""

    id: str
    app: str
    environment: str
    version: str
    previous_version: str | None
    strategy: Strategy = Strategy.ROLLING
    status: DeploymentStatus = DeploymentStatus.SUCCEEDED
    started_at: datetime
    finished_at: datetime | None = None
    reason: str = ""


class AppRef(Frozen):
    """An application in one environment: the unit that is deployed, scaled and rolled back."""

    app: str
    environment: str

    def __str__(self) -> str:
        return f"{self.app}/{self.environment}"


class AppState(Frozen):
    """Desired and observed state of one application in one environment."""

    app: str
    environment: str
    version: str | None
    replicas: int
    ready_replicas: int | None = None
    health: Health = Health.UNKNOWN
    url: str | None = None
    history: tuple[str, ...] = ()  # versions previously deployed here, oldest first
    updated_at: datetime | None = None

    @property
    def ref(self) -> AppRef:
        return AppRef(app=self.app, environment=self.environment)


ChangeKind = Literal["deploy", "scale", "rollback"]


class Change(Frozen):
    """A requested change to one application in one environment (what a mutating tool produces)."""

    kind: ChangeKind
    app: str
    environment: str
    version: str | None = None
    replicas: int | None = None
    strategy: Strategy | None = None

    @property
    def ref(self) -> AppRef:
        return AppRef(app=self.app, environment=self.environment)


class Plan(Frozen):
    """A dry run of a change: what would happen, in words and as a before/after diff."""

    change: Change
    summary: str
    before: dict[str, Any]
    after: dict[str, Any]
    steps: tuple[str, ...] = ()

    def diff_lines(self) -> list[str]:
        keys = [k for k in self.after if self.before.get(k) != self.after.get(k)]
        return [f"{k}: {self.before.get(k)} -> {self.after.get(k)}" for k in keys]


class ChangeResult(Frozen):
    """What a backend did when it applied a change."""

    change: Change
    before: AppState
    after: AppState
    deployment: Deployment | None = None
    message: str = ""
