"""The local engine: keeps the apps the store describes running as processes on this machine.

A monitor thread reads the store every ``poll_interval`` and moves each app towards its desired state
(restarting crashed replicas with back-off); ``apply`` carries out a change (deploy, scale, rollback) and
records it as the same domain events the in-memory backend writes, with the real outcome.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from paas.changes import change_events, plan_change, rollback_target
from paas.domain import AppState, Change, ChangeResult, DeploymentStatus, Release, Strategy
from paas.errors import BackendError, ConcurrencyError
from paas.local import deploys, supervisor
from paas.local.control import ControlServer, EngineInfo, running_engine
from paas.local.deploys import Outcome
from paas.local.ioloop import IoLoop
from paas.local.metrics_store import LocalMetrics, MetricsStore
from paas.local.paths import EnginePaths
from paas.local.ports import PortBook
from paas.local.prometheus import ServiceView, render
from paas.local.sampler import Sampler
from paas.local.service import EngineContext, Service
from paas.local.settings import LocalSettings
from paas.state import PlatformState, app_stream
from paas.store import Event, EventStore

log = logging.getLogger(__name__)
_RETRIES = 3


class LocalEngine:
    """Runs every app of the store as replica processes behind one proxy per app and environment."""

    def __init__(self, store: EventStore, state_dir: Path, settings: LocalSettings | None = None) -> None:
        self.store = store
        self.settings = settings or LocalSettings()
        self.paths = EnginePaths(Path(state_dir))
        self.ctx = EngineContext(self.paths, self.settings, IoLoop())
        self.metrics_store: MetricsStore | None = None
        self.services: dict[tuple[str, str], Service] = {}
        self.control: ControlServer | None = None
        self._state = PlatformState()
        self._state_lock = threading.Lock()
        self._services_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._ports: PortBook | None = None
        self._last_health = 0.0

    # life cycle ----------------------------------------------------------------------------------------------

    def start(self) -> LocalEngine:
        """Adopt replicas left running, start proxies, the control API and the background threads."""
        other = running_engine(self.paths)
        if other is not None:
            raise BackendError(f"an engine already runs for {self.paths.state_dir} (pid {other.pid}, "
                               f"{other.url}): stop it with `paas down` first")
        self.paths.ensure()
        self.control = ControlServer(self, self.settings.engine_port)  # fails early if the port is taken
        try:
            self._start_parts(self.control)
        except BaseException:
            self.stop()
            raise
        log.info("local engine running: %s", self.control.url)
        return self

    def _start_parts(self, control: ControlServer) -> None:
        self.metrics_store = MetricsStore(self.paths.metrics_db)
        self._ports = PortBook(self.paths.ports_file, self.settings.proxy_port_start, self.settings.proxy_port_end)
        self.ctx.io.start()
        self._catch_up()
        self._adopt()
        control.start()
        control.write_info(self.paths)
        sampler = Sampler(self.metrics_store, self.settings.metrics_retention_hours)
        self._spawn_thread("paas-monitor", self._monitor, min(self.settings.poll_interval_seconds,
                                                                self.settings.health_interval_seconds))
        self._spawn_thread("paas-sampler", lambda: sampler.sample(list(self.services.values())),
                           self.settings.sample_interval_seconds)

    def stop(self) -> None:
        """Stop every replica and proxy; the desired state stays in the store for the next start."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        for service in list(self.services.values()):
            with service.busy:
                service.close()
        if self.control is not None:
            self.control.stop()
            self.control.remove_info(self.paths)
        self.ctx.io.stop()
        if self.metrics_store is not None:
            self.metrics_store.close()
        log.info("local engine stopped")

    @property
    def info(self) -> EngineInfo:
        assert self.control is not None, "start the engine first"
        return self.control.info

    def metrics(self) -> LocalMetrics:
        assert self.metrics_store is not None, "start the engine first"
        return LocalMetrics(self.metrics_store, state=self.state)

    def _spawn_thread(self, name: str, step: object, interval: float) -> None:
        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    step()  # type: ignore[operator]
                except Exception:  # keep the engine alive; the next tick tries again
                    log.exception("%s failed", name)

        thread = threading.Thread(target=loop, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # desired state -------------------------------------------------------------------------------------------

    def _catch_up(self) -> None:
        with self._state_lock:
            for ev in self.store.read_all(after=self._state.position):
                self._state.apply(ev)

    def state(self) -> PlatformState:
        self._catch_up()
        return self._state

    def desired(self, app: str, environment: str) -> AppState | None:
        self._catch_up()
        with self._state_lock:
            return self._state.apps.get((app, environment))

    def _release(self, app: str, version: str | None) -> Release | None:
        with self._state_lock:
            return release_of(self._state, app, version)

    # observed state ------------------------------------------------------------------------------------------

    def observed(self, app: str, environment: str) -> AppState:
        desired = self.state().get(app, environment)
        return self._service(app, environment).observed(desired)

    def observed_all(self) -> list[AppState]:
        self._catch_up()
        with self._state_lock:
            apps = sorted(self._state.apps.values(), key=lambda a: (a.app, a.environment))
        return [self._service(a.app, a.environment).observed(a) for a in apps]

    def prometheus_text(self) -> str:
        views = []
        for key, service in sorted(self.services.items()):
            desired = self.desired(*key)
            views.append(ServiceView(service, desired.replicas if desired and desired.version else 0))
        return render(views)

    # keeping apps as desired ---------------------------------------------------------------------------------

    def _service(self, app: str, environment: str) -> Service:
        key = (app, environment)
        with self._services_lock:
            service = self.services.get(key)
            if service is None:
                assert self._ports is not None
                service = Service(app, environment, self._ports.port_for(f"{app}/{environment}"), self.ctx)
                self.ctx.io.run(service.proxy.start(), timeout=10)
                self.services[key] = service
                log.info("%s/%s proxy on %s", app, environment, service.url)
            return service

    def _adopt(self) -> None:
        """Take back the replicas a previous engine left running; stop those nobody wants any more."""
        for replica in supervisor.adopt(self.paths):
            if self.desired(replica.app, replica.environment) is None:
                supervisor.stop(replica, self.paths, self.settings.stop_grace_seconds)
                continue
            self._service(replica.app, replica.environment).adopt(replica)
            log.info("adopted replica %s (pid %s)", replica.id, replica.pid)
        for service in list(self.services.values()):
            service.check_health()
        self._monitor()

    def _monitor(self) -> None:
        self._catch_up()
        with self._state_lock:
            keys = list(self._state.apps)
        for key in keys:
            self._service(*key)
        now = time.monotonic()
        health_due = now - self._last_health >= self.settings.health_interval_seconds
        if health_due:
            self._last_health = now
        for key, service in list(self.services.items()):
            service.reap()
            if health_due:
                service.check_health()
            if service.busy.acquire(blocking=False):
                try:
                    desired = self.desired(*key)
                    version = desired.version if desired else None
                    service.converge(self._release(key[0], version), desired.replicas if desired else 0)
                finally:
                    service.busy.release()

    # changes -------------------------------------------------------------------------------------------------

    def apply(self, change: Change, actor: str) -> ChangeResult:
        """Carry out a change with processes, then record it (with its real outcome) in the store."""
        plan_change(self.state(), change)
        service = self._service(change.app, change.environment)
        if not service.busy.acquire(timeout=self.settings.change_timeout_seconds):
            raise BackendError(f"{change.ref}: another change is still running; try again when it has finished")
        try:
            state = self.state()
            plan_change(state, change)
            current = state.get(change.app, change.environment)
            before = service.observed(current)
            recorded, outcome = self._execute(service, state, current, change)
            status = DeploymentStatus.SUCCEEDED if outcome.ok else (
                DeploymentStatus.ROLLED_BACK if current.version else DeploymentStatus.FAILED)
            events = self._record(recorded, actor, status.value, outcome.reason)
            after = service.observed(self.state().get(change.app, change.environment))
        finally:
            service.busy.release()
        deployment = None
        if change.kind == "deploy":
            deployment_id = events[0].data["deployment_id"]
            deployment = next(d for d in reversed(self.state().deployments) if d.id == deployment_id)
        message = _message(recorded, current, status, outcome)
        return ChangeResult(change=change, before=before, after=after, deployment=deployment, message=message)

    def _execute(self, service: Service, state: PlatformState, current: AppState,
                 change: Change) -> tuple[Change, Outcome]:
        running = release_of(state, change.app, current.version)
        if change.kind == "scale":
            assert change.replicas is not None
            return change, deploys.scale(service, running, change.replicas)
        target = change.version if change.kind == "deploy" else rollback_target(current, change.version)
        assert target is not None
        release = state.release(change.app, target)
        if change.kind == "rollback":
            outcome = deploys.blue_green(service, release, current.replicas)
            if not outcome.ok:
                raise BackendError(f"{change.ref}: rollback to {target} failed ({outcome.reason}); "
                                   f"{current.version} keeps serving. Fix the release or pick another version")
            return change.model_copy(update={"version": target}), outcome
        if change.strategy == Strategy.BLUE_GREEN:
            return change, deploys.blue_green(service, release, current.replicas)
        return change, deploys.rolling(service, release, current.replicas, running)

    def _record(self, change: Change, actor: str, status: str, reason: str) -> list[Event]:
        stream = app_stream(change.app, change.environment)
        for attempt in range(_RETRIES):
            state = self.state()
            events = [e.model_copy(update={"actor": actor}) for e in change_events(state, change, status, reason)]
            try:
                stored = self.store.append(stream, events, expected_version=state.stream_version(stream))
            except ConcurrencyError:
                if attempt == _RETRIES - 1:
                    raise
                continue
            self._catch_up()
            return stored
        raise AssertionError("unreachable")


def release_of(state: PlatformState, app: str, version: str | None) -> Release | None:
    """The release of a version; one registered without details (or not at all) runs the sample app."""
    if not version:
        return None
    return state.releases.get(app, {}).get(version) or Release(app=app, version=version)


def _message(change: Change, before: AppState, status: DeploymentStatus, outcome: Outcome) -> str:
    ref = change.ref
    if change.kind == "scale":
        return f"{ref}: replicas {before.replicas} -> {change.replicas}: {outcome.message}"
    if change.kind == "rollback":
        return f"{ref}: rolled back {before.version} -> {change.version}: {outcome.message}"
    if status == DeploymentStatus.SUCCEEDED:
        return f"{ref}: deployed {change.version}: {outcome.message}"
    keeps = f"{before.version} keeps serving" if before.version else "nothing is serving"
    return f"{ref}: deploy of {change.version} {status.value.replace('_', ' ')}: {outcome.reason}. {keeps}"
