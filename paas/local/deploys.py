"""Changes carried out on a service: scale, rolling deploy, blue/green deploy (rollbacks use blue/green).

Each returns an ``Outcome``; a deploy whose new replicas fail their health checks undoes itself, so the
old version keeps serving, and says why in ``reason``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from paas.domain import Release
from paas.errors import BackendError
from paas.local.health import wait_ready
from paas.local.service import Service, surplus
from paas.local.supervisor import Replica

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    reason: str = ""  # why a deploy failed (recorded in the AppDeployed event)


def _start_ready(service: Service, release: Release, count: int) -> tuple[list[Replica], str]:
    """Start replicas and wait for their health checks; failed ones are stopped. Returns (ready, why not)."""
    try:
        new = service.launch(release, count)
    except BackendError as err:
        return [], str(err)
    failed = wait_ready(service.ctx.io, new, service.ctx.settings.ready_timeout_seconds)
    if failed:
        service.discard([r for r in new if r.id in failed])
    ready = [r for r in new if r.id not in failed]
    why = next(iter(failed.values()), "")
    if why:
        logs = service.ctx.paths.logs_dir / f"{service.app}-{service.environment}.log"
        why = f"{why}; replica output is in {logs}"
    return ready, why


def scale(service: Service, release: Release | None, replicas: int) -> Outcome:
    live = service.live()
    if release is None:
        return Outcome(True, "nothing is deployed yet: the replicas start with the first deploy")
    if replicas < len(live):
        service.swap([], surplus(live, len(live) - replicas))
        return Outcome(True, f"stopped {len(live) - replicas} replica(s); {service.ready()} ready")
    wanted = replicas - len(live)
    if wanted == 0:
        return Outcome(True, f"{service.ready()} replica(s) ready")
    ready, why = _start_ready(service, release, wanted)
    service.swap(ready, [])
    if len(ready) < wanted:
        return Outcome(True, f"started {len(ready)} of {wanted} new replica(s): {why}. "
                             "The engine keeps retrying with back-off")
    return Outcome(True, f"started {wanted} replica(s); {service.ready()} ready")


def blue_green(service: Service, release: Release, replicas: int) -> Outcome:
    """Start the new set beside the old, health-check it, switch the proxy, drain and stop the old set."""
    if replicas == 0:
        return Outcome(True, "no replicas wanted: nothing to start")
    old = service.live()
    ready, why = _start_ready(service, release, replicas)
    if len(ready) < replicas:
        service.discard(ready)
        failed = replicas - len(ready)
        return Outcome(False, f"{release.version} did not become healthy; the running version keeps serving",
                       reason=f"{failed} of {replicas} new replica(s) of {release.version} failed: {why}")
    service.swap(ready, old)
    return Outcome(True, f"{replicas} replica(s) of {release.version} serving; {len(old)} old replica(s) drained")


def rolling(service: Service, release: Release, replicas: int, previous: Release | None) -> Outcome:
    """Replace replicas one at a time: start one new, wait until healthy, then drain and stop one old."""
    if replicas == 0:
        return Outcome(True, "no replicas wanted: nothing to start")
    added: list[Replica] = []
    for step in range(1, replicas + 1):
        ready, why = _start_ready(service, release, 1)
        if not ready:
            reason = f"replica {step} of {replicas} of {release.version} failed: {why}"
            _undo(service, added, previous)
            return Outcome(False, f"{release.version} did not become healthy; rolled back", reason=reason)
        old = [r for r in service.live() if r.version != release.version]
        service.swap(ready, old[:1])
        added += ready
    stale = [r for r in service.live() if r.version != release.version]
    service.swap([], stale)
    return Outcome(True, f"{replicas} replica(s) of {release.version} serving, replaced one at a time")


def _undo(service: Service, added: list[Replica], previous: Release | None) -> None:
    """Bring back as many replicas of the previous release as were replaced, then stop the new ones."""
    if not added:
        return
    if previous is None:
        service.swap([], added)
        return
    ready, why = _start_ready(service, previous, len(added))
    if why:
        log.error("could not restore %s of %s/%s: %s", previous.version, service.app, service.environment, why)
    service.swap(ready, added)
