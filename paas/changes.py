"""Validation, dry-run plans and domain events for a Change; shared by every backend."""

from __future__ import annotations

import uuid
from typing import Any

from paas.domain import AppState, Change, Plan, Strategy
from paas.errors import ValidationError
from paas.state import APP_DEPLOYED, APP_ROLLED_BACK, APP_SCALED, PlatformState
from paas.store.events import NewEvent


def rollback_target(current: AppState, version: str | None) -> str:
    """The version a rollback goes to: the one named, or the one deployed before the current one."""
    if version:
        return version
    if not current.history:
        raise ValidationError(f"{current.ref} has no previous version to roll back to")
    return current.history[-1]


def plan_change(state: PlatformState, change: Change) -> Plan:
    """Validate a change against the platform and describe what it would do."""
    current = state.get(change.app, change.environment)
    before: dict[str, Any] = {"version": current.version, "replicas": current.replicas}
    if change.kind == "scale":
        return _plan_scale(current, change, before)
    target = change.version if change.kind == "deploy" else rollback_target(current, change.version)
    if not target:
        raise ValidationError("a deploy needs a version")
    state.release(change.app, target)
    if target == current.version:
        raise ValidationError(f"{current.ref} already runs {target}")
    after = {"version": target, "replicas": current.replicas}
    if change.kind == "deploy":
        strategy = (change.strategy or Strategy.ROLLING).value
        summary = f"{current.ref}: deploy {target} (now {current.version or 'nothing'}), {strategy}"
        steps = _deploy_steps(current, target, change.strategy or Strategy.ROLLING)
    else:
        summary = f"{current.ref}: roll back {current.version} -> {target}"
        steps = (f"replace {current.replicas} replica(s) of {current.version} with {target}",)
    return Plan(change=change, summary=summary, before=before, after=after, steps=steps)


def _plan_scale(current: AppState, change: Change, before: dict[str, Any]) -> Plan:
    replicas = change.replicas
    if replicas is None or replicas < 0:
        raise ValidationError("replicas must be a whole number of 0 or more")
    if replicas == current.replicas:
        raise ValidationError(f"{current.ref} already has {replicas} replica(s)")
    delta = replicas - current.replicas
    summary = f"{current.ref}: replicas {current.replicas} -> {replicas} ({delta:+d})"
    action = f"start {delta}" if delta > 0 else f"stop {-delta}"
    steps = (f"{action} replica(s) of {current.version}",)
    after = {"version": current.version, "replicas": replicas}
    return Plan(change=change, summary=summary, before=before, after=after, steps=steps)


def _deploy_steps(current: AppState, target: str, strategy: Strategy) -> tuple[str, ...]:
    n = max(current.replicas, 1)
    if strategy == Strategy.BLUE_GREEN:
        return (
            f"start {n} replica(s) of {target} beside {current.version}",
            "health-check the new set, then switch traffic",
            f"drain and stop the {current.version} replicas",
        )
    return (f"replace {n} replica(s) one at a time with {target}, health-checking each",)


def change_events(state: PlatformState, change: Change, status: str = "succeeded", reason: str = "") -> list[NewEvent]:
    """The domain events that record a change carried out (or a deploy that failed)."""
    current = state.get(change.app, change.environment)
    base = {"app": change.app, "environment": change.environment}
    if change.kind == "scale":
        data = {**base, "replicas": change.replicas, "previous": current.replicas}
        return [NewEvent(type=APP_SCALED, data=data)]
    if change.kind == "rollback":
        target = rollback_target(current, change.version)
        data = {**base, "version": target, "previous_version": current.version}
        return [NewEvent(type=APP_ROLLED_BACK, data=data)]
    data = {
        **base,
        "version": change.version,
        "previous_version": current.version,
        "strategy": (change.strategy or Strategy.ROLLING).value,
        "deployment_id": uuid.uuid4().hex[:12],
        "status": status,
        "reason": reason,
    }
    return [NewEvent(type=APP_DEPLOYED, data=data)]
