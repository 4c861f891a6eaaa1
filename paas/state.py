"""The read model: platform state rebuilt from domain events (event sourcing).

Domain events live in streams ``app:<app>/<environment>`` and ``release:<app>``; ``PlatformState.apply``
folds one event in, so a process can catch up incrementally from the position it last saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from paas.domain import AppState, Deployment, DeploymentStatus, Release, Strategy
from paas.errors import AmbiguousError, NotFoundError
from paas.store.events import Event

APP_REGISTERED = "AppRegistered"
RELEASE_REGISTERED = "ReleaseRegistered"
APP_DEPLOYED = "AppDeployed"
APP_SCALED = "AppScaled"
APP_ROLLED_BACK = "AppRolledBack"
DOMAIN_EVENTS = frozenset({APP_REGISTERED, RELEASE_REGISTERED, APP_DEPLOYED, APP_SCALED, APP_ROLLED_BACK})


def app_stream(app: str, environment: str) -> str:
    return f"app:{app}/{environment}"


def release_stream(app: str) -> str:
    return f"release:{app}"


@dataclass
class PlatformState:
    """Current desired state of every app, its releases and its deployments."""

    apps: dict[tuple[str, str], AppState] = field(default_factory=dict)
    releases: dict[str, dict[str, Release]] = field(default_factory=dict)
    deployments: list[Deployment] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)  # stream -> last version seen
    position: int = 0

    def apply(self, ev: Event) -> None:
        self.position = max(self.position, ev.position)
        if ev.type not in DOMAIN_EVENTS:
            return
        self.versions[ev.stream] = ev.version
        handler = _HANDLERS[ev.type]
        handler(self, ev)

    # queries -----------------------------------------------------------------------------------------------

    @property
    def environments(self) -> list[str]:
        return sorted({env for _, env in self.apps})

    @property
    def app_names(self) -> list[str]:
        return sorted({app for app, _ in self.apps} | set(self.releases))

    def environments_of(self, app: str) -> list[str]:
        return sorted(env for name, env in self.apps if name == app)

    def get(self, app: str, environment: str) -> AppState:
        """The app in an environment, or a NotFoundError that lists what exists."""
        state = self.apps.get((app, environment))
        if state is not None:
            return state
        if app not in self.app_names:
            known = ", ".join(self.app_names) or "none yet"
            raise NotFoundError(f"unknown app '{app}' (known apps: {known})")
        envs = ", ".join(self.environments_of(app))
        raise NotFoundError(f"app '{app}' does not run in '{environment}' (it runs in: {envs})")

    def resolve_environment(self, app: str, environment: str | None) -> str:
        """Pick the environment when the app runs in exactly one; otherwise ask for it."""
        if environment:
            self.get(app, environment)
            return environment
        envs = self.environments_of(app)
        if not envs:
            self.get(app, "")
        if len(envs) > 1:
            raise AmbiguousError(f"'{app}' runs in {', '.join(envs)}: say which environment")
        return envs[0]

    def release(self, app: str, version: str) -> Release:
        known = self.releases.get(app, {})
        if version not in known:
            listed = ", ".join(known) or "none"
            raise NotFoundError(f"unknown version '{version}' of '{app}' (known versions: {listed})")
        return known[version]

    def stream_version(self, stream: str) -> int:
        return self.versions.get(stream, 0)


def _registered(state: PlatformState, ev: Event) -> None:
    d = ev.data
    state.apps[(d["app"], d["environment"])] = AppState(
        app=d["app"],
        environment=d["environment"],
        version=d.get("version"),
        replicas=d.get("replicas", 0),
        history=tuple(d.get("history", ())),
        updated_at=ev.recorded_at,
    )


def _release(state: PlatformState, ev: Event) -> None:
    release = Release.model_validate(ev.data)
    state.releases.setdefault(release.app, {})[release.version] = release


def _deployed(state: PlatformState, ev: Event) -> None:
    d = ev.data
    current = state.apps[(d["app"], d["environment"])]
    deployment = Deployment(
        id=d["deployment_id"],
        app=d["app"],
        environment=d["environment"],
        version=d["version"],
        previous_version=d.get("previous_version"),
        strategy=Strategy(d.get("strategy", "rolling")),
        status=DeploymentStatus(d.get("status", "succeeded")),
        started_at=ev.recorded_at,
        finished_at=ev.recorded_at,
        reason=d.get("reason", ""),
    )
    state.deployments.append(deployment)
    if deployment.status != DeploymentStatus.SUCCEEDED:
        return
    history = current.history + ((current.version,) if current.version else ())
    state.apps[current.app, current.environment] = current.model_copy(
        update={"version": d["version"], "history": history, "updated_at": ev.recorded_at}
    )


def _scaled(state: PlatformState, ev: Event) -> None:
    d = ev.data
    current = state.apps[(d["app"], d["environment"])]
    state.apps[current.app, current.environment] = current.model_copy(
        update={"replicas": d["replicas"], "updated_at": ev.recorded_at}
    )


def _rolled_back(state: PlatformState, ev: Event) -> None:
    d = ev.data
    current = state.apps[(d["app"], d["environment"])]
    history = current.history
    if d["version"] in history:
        cut = len(history) - 1 - history[::-1].index(d["version"])
        history = history[:cut]
    state.apps[current.app, current.environment] = current.model_copy(
        update={"version": d["version"], "history": history, "updated_at": ev.recorded_at}
    )


_HANDLERS = {
    APP_REGISTERED: _registered,
    RELEASE_REGISTERED: _release,
    APP_DEPLOYED: _deployed,
    APP_SCALED: _scaled,
    APP_ROLLED_BACK: _rolled_back,
}
