"""One app in one environment on this machine: its proxy, its replicas, and keeping them as desired.

The engine's monitor thread calls ``reap``, ``check_health`` and ``converge`` on every tick; changes
(``paas.local.deploys``) hold ``busy`` while they run so the background upkeep keeps out of their way.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from paas.domain import AppState, Health, Release
from paas.errors import BackendError
from paas.local import health, supervisor
from paas.local.ioloop import IoLoop
from paas.local.paths import EnginePaths
from paas.local.proxy import Proxy
from paas.local.settings import LocalSettings
from paas.local.stats import RequestStats
from paas.local.supervisor import Replica, ReplicaState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineContext:
    """What every service shares: where files go, the settings, and the event loop of the proxies."""

    paths: EnginePaths
    settings: LocalSettings
    io: IoLoop


def stop_all(replicas: list[Replica], paths: EnginePaths, grace: float) -> None:
    """Stop replicas in parallel (each may take up to ``grace`` seconds)."""
    threads = [threading.Thread(target=supervisor.stop, args=(r, paths, grace)) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def surplus(replicas: list[Replica], count: int) -> list[Replica]:
    """Which replicas to stop first when there are too many: unhealthy ones, then the newest."""
    order = sorted(replicas, key=lambda r: (r.state == ReplicaState.HEALTHY, -r.started_at))
    return order[:count]


class Service:
    """The proxy and replica set of one app in one environment."""

    def __init__(self, app: str, environment: str, port: int, ctx: EngineContext) -> None:
        self.app = app
        self.environment = environment
        self.ctx = ctx
        self.stats = RequestStats()
        self.proxy = Proxy(f"{app}/{environment}", port, self.stats)
        self.replicas: list[Replica] = []  # serving, or about to (the proxy pool is the healthy ones)
        self.candidates: list[Replica] = []  # started by a change, not serving yet
        self.busy = threading.Lock()  # held by a change for its whole run
        self.restarts = 0
        self.usage: dict[str, tuple[float, float]] = {}  # replica id -> (cpu %, memory MB), last sample
        self._mx = threading.RLock()
        self._retiring: list[threading.Thread] = []
        self._crashes_in_row = 0
        self._next_start = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy.port}"

    def live(self) -> list[Replica]:
        with self._mx:
            return [r for r in self.replicas if r.state != ReplicaState.STOPPING]

    def ready(self) -> int:
        return sum(1 for r in self.live() if r.state == ReplicaState.HEALTHY)

    def observed(self, desired: AppState) -> AppState:
        ready = self.ready()
        if not desired.version or desired.replicas == 0:
            state = Health.STOPPED
        elif ready >= desired.replicas:
            state = Health.HEALTHY
        else:
            state = Health.DEGRADED if ready else Health.DOWN
        return desired.model_copy(update={"ready_replicas": ready, "health": state, "url": self.url})

    # building blocks of changes ----------------------------------------------------------------------------

    def launch(self, release: Release, count: int) -> list[Replica]:
        """Start ``count`` replicas that do not serve yet (candidates)."""
        started: list[Replica] = []
        try:
            for _ in range(count):
                replica = supervisor.spawn(release, self.environment, self.ctx.paths)
                with self._mx:
                    self.candidates.append(replica)
                started.append(replica)
        except BackendError:
            self.discard(started)
            raise
        return started

    def swap(self, add: list[Replica], remove: list[Replica]) -> None:
        """Put ``add`` into service and take ``remove`` out in one step, then drain and stop ``remove``."""
        self._exchange(add, remove)
        self._finish(remove)

    def _exchange(self, add: list[Replica], remove: list[Replica]) -> None:
        with self._mx:
            for replica in remove:
                replica.state = ReplicaState.STOPPING
            self.replicas = [r for r in self.replicas if r not in remove] + list(add)
            self.candidates = [r for r in self.candidates if r not in add]
        self.sync_pool()

    def _finish(self, removed: list[Replica]) -> None:
        self._drain(removed)
        stop_all(removed, self.ctx.paths, self.ctx.settings.stop_grace_seconds)

    def discard(self, replicas: list[Replica]) -> None:
        """Stop candidates that never served."""
        with self._mx:
            self.candidates = [r for r in self.candidates if r not in replicas]
        stop_all(replicas, self.ctx.paths, self.ctx.settings.stop_grace_seconds)

    def sync_pool(self) -> None:
        with self._mx:
            healthy = [r for r in self.replicas if r.state == ReplicaState.HEALTHY]
        self.ctx.io.call(self.proxy.set_members, healthy)

    def _drain(self, replicas: list[Replica]) -> None:
        deadline = time.monotonic() + self.ctx.settings.drain_timeout_seconds
        while any(r.inflight > 0 for r in replicas) and time.monotonic() < deadline:
            time.sleep(0.02)

    def _retire_later(self, replicas: list[Replica]) -> None:
        """Take replicas out of service now; drain and stop them on a thread of their own."""
        if replicas:
            self._exchange([], replicas)
            thread = threading.Thread(target=self._finish, args=(replicas,), name=f"retire-{self.app}", daemon=True)
            thread.start()
            self._retiring = [t for t in self._retiring if t.is_alive()] + [thread]

    # background upkeep (monitor thread) ---------------------------------------------------------------------

    def adopt(self, replica: Replica) -> None:
        with self._mx:
            self.replicas.append(replica)

    def reap(self) -> list[Replica]:
        """Take crashed replicas out and schedule their restart with back-off."""
        with self._mx:
            dead = [r for r in self.replicas if r.state != ReplicaState.STOPPING and not r.alive()]
            self.replicas = [r for r in self.replicas if r not in dead]
        for replica in dead:
            supervisor.stop(replica, self.ctx.paths, 0)  # removes the pid file
            log.warning("replica %s of %s/%s exited (code %s): restarting", replica.id, self.app,
                        self.environment, replica.exit_code())
            self._failed(replica)
        if dead:
            self.sync_pool()
        return dead

    def _failed(self, replica: Replica) -> None:
        settings = self.ctx.settings
        if replica.uptime > settings.restart_backoff_max_seconds:
            self._crashes_in_row = 0
        delay = min(settings.restart_backoff_max_seconds, settings.restart_backoff_seconds * 2**self._crashes_in_row)
        self._crashes_in_row += 1
        self._next_start = time.monotonic() + delay
        self.restarts += 1

    def check_health(self) -> None:
        settings = self.ctx.settings
        live = self.live()
        if health.check(self.ctx.io, live, settings.health_timeout_seconds, settings.unhealthy_threshold):
            self.sync_pool()
        stuck = [
            r for r in live
            if r.state != ReplicaState.HEALTHY and time.monotonic() - r.last_ok > settings.ready_timeout_seconds
        ]
        for replica in stuck:
            log.warning("replica %s failed health checks for %.0fs (%s): replacing it", replica.id,
                        settings.ready_timeout_seconds, replica.last_check)
            self._failed(replica)
        self._retire_later(stuck)

    def converge(self, release: Release | None, replicas: int) -> None:
        """One step towards the desired version and replica count (callers hold ``busy``)."""
        live = self.live()
        if release is None or replicas == 0:
            self._retire_later(live)
            return
        good = [r for r in live if r.version == release.version]
        stale = [r for r in live if r.version != release.version]
        if len(good) < replicas:
            if time.monotonic() >= self._next_start:
                self._start(release, replicas - len(good))
        elif len(good) > replicas:
            self._retire_later(surplus(good, len(good) - replicas))
        elif stale and all(r.state == ReplicaState.HEALTHY for r in good):
            self._retire_later(stale)

    def _start(self, release: Release, count: int) -> None:
        for _ in range(count):
            try:
                replica = supervisor.spawn(release, self.environment, self.ctx.paths)
            except BackendError as err:
                log.error("%s", err)
                self._crashes_in_row += 1
                self._next_start = time.monotonic() + self.ctx.settings.restart_backoff_max_seconds
                return
            self.adopt(replica)  # serves once it passes a health check

    def close(self) -> None:
        """Stop every replica and the proxy."""
        with self._mx:
            everything = self.replicas + self.candidates
            self.replicas, self.candidates = [], []
        self.sync_pool()
        stop_all(everything, self.ctx.paths, self.ctx.settings.stop_grace_seconds)
        for thread in self._retiring:
            thread.join()
        self.ctx.io.run(self.proxy.close(), timeout=10)
