"""Policies as data: replica limits, scale step, freeze windows, the two-person rule, allowed environments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from paas.domain import AppState, Change
from paas.errors import PolicyError
from paas.settings import DAYS, EnvironmentPolicy, FreezeWindow, PolicySettings


@dataclass(frozen=True)
class EffectivePolicy:
    environment: str
    min_replicas: int
    max_replicas: int
    max_scale_step: int
    two_person: bool
    freeze: tuple[FreezeWindow, ...]


class PolicyEngine:
    """Checks a change against the configured policy for its environment."""

    def __init__(self, settings: PolicySettings) -> None:
        self.settings = settings

    def for_environment(self, environment: str) -> EffectivePolicy:
        base = self.settings.default
        env = self.settings.environments.get(environment, EnvironmentPolicy())

        def pick(name: str) -> object:
            value = getattr(env, name)
            return getattr(base, name) if value is None else value

        return EffectivePolicy(
            environment=environment,
            min_replicas=int(pick("min_replicas") or 0),  # type: ignore[call-overload]
            max_replicas=int(pick("max_replicas") or 0),  # type: ignore[call-overload]
            max_scale_step=int(pick("max_scale_step") or 0),  # type: ignore[call-overload]
            two_person=bool(pick("two_person")),
            freeze=tuple(pick("freeze") or ()),  # type: ignore[arg-type]
        )

    def check(self, change: Change, current: AppState, now: datetime) -> None:
        """Raise PolicyError when the change breaks a policy."""
        allowed = self.settings.allowed_environments
        if allowed is not None and change.environment not in allowed:
            raise PolicyError(f"changes in '{change.environment}' are not allowed (allowed: {', '.join(allowed)})")
        policy = self.for_environment(change.environment)
        window = active_freeze(policy.freeze, now)
        if window is not None:
            raise PolicyError(f"{change.environment} is in a change freeze ({window.reason}); try after it ends")
        if change.kind == "scale" and change.replicas is not None:
            _check_replicas(policy, current, change.replicas)

    def two_person(self, environment: str) -> bool:
        return self.for_environment(environment).two_person


def _check_replicas(policy: EffectivePolicy, current: AppState, replicas: int) -> None:
    env = policy.environment
    if replicas > policy.max_replicas:
        raise PolicyError(f"{replicas} replicas is over the limit for {env} (max {policy.max_replicas})")
    if replicas < policy.min_replicas:
        raise PolicyError(f"{replicas} replicas is under the minimum for {env} (min {policy.min_replicas})")
    step = abs(replicas - current.replicas)
    if step > policy.max_scale_step:
        raise PolicyError(
            f"changing {current.ref} by {step} replicas at once is over the step limit for {env} "
            f"(max {policy.max_scale_step}); scale in smaller steps"
        )


def active_freeze(windows: tuple[FreezeWindow, ...], now: datetime) -> FreezeWindow | None:
    """The first freeze window covering ``now`` (UTC), if any."""
    for window in windows:
        if _covers(window, now):
            return window
    return None


def _covers(window: FreezeWindow, now: datetime) -> bool:
    if window.start is not None or window.end is not None:
        start = window.start or datetime.min.replace(tzinfo=now.tzinfo)
        end = window.end or datetime.max.replace(tzinfo=now.tzinfo)
        return _aware(start, now) <= now < _aware(end, now)
    if window.days and DAYS[now.weekday()] not in window.days:
        return False
    if not window.days and window.from_time is None:
        return False
    t = now.time().replace(tzinfo=None)
    start_t = window.from_time or t.min
    end_t = window.to_time or t.max
    return start_t <= t <= end_t


def _aware(value: datetime, like: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=like.tzinfo)
