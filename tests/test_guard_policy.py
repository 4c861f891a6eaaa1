"""Policies as data: limits, step, freeze windows, allowed environments; and deny by default."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from integrations.runtime import Runtime
from paas.settings import PolicySettings
from tests.conftest import FakeClock, demo_runtime, team_settings
from tests.guard_cases import domain_events


def scale(rt: Runtime, env: str, replicas: int, user: str = "alice"):  # type: ignore[no-untyped-def]
    return rt.guard.call(rt.principal(user=user), "scale_app", {"app": "checkout", "environment": env,
                                                                 "replicas": replicas})


@pytest.mark.parametrize(
    ("env", "replicas", "reason"),
    [("prod", 51, "over the limit"), ("prod", 1, "under the minimum"), ("prod", 9, "step limit"),
     ("staging", 21, "over the limit")],
)
def test_limits_refuse_before_any_approval(team: Runtime, env: str, replicas: int, reason: str) -> None:
    outcome = scale(team, env, replicas)
    assert outcome.status == "denied"
    assert reason in outcome.summary
    assert team.guard.approvals.all() == []
    assert [e.type for e in team.store.read_all()][-1] == "ToolDenied"


def test_absolute_freeze_window_blocks_changes(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2030, 12, 24, 9, 0, tzinfo=UTC))
    rt = demo_runtime(team_settings(tmp_path), clock)
    outcome = scale(rt, "prod", 4)
    assert outcome.status == "denied" and "year-end freeze" in outcome.summary
    assert scale(rt, "staging", 4).status == "approval_required"


def test_weekly_freeze_window_blocks_changes_only_inside_it(tmp_path: Path) -> None:
    friday_evening = FakeClock(datetime(2026, 11, 27, 17, 30, tzinfo=UTC))
    rt = demo_runtime(team_settings(tmp_path), friday_evening)
    assert "Friday" in scale(rt, "prod", 4).summary
    friday_evening.now = datetime(2026, 11, 27, 15, 59, tzinfo=UTC)
    assert scale(rt, "prod", 4).status == "approval_required"


def test_freeze_that_starts_after_the_request_blocks_execution(team: Runtime, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 27, 15, 50, tzinfo=UTC)  # Friday, ten minutes before the weekly freeze
    request_id = scale(team, "prod", 4).approval.id  # type: ignore[union-attr]
    clock.advance(minutes=20)
    result = team.guard.decide(request_id, True, team.principal(user="bob"))
    assert result.status == "failed"
    assert "Friday" in result.summary
    assert domain_events(team) == []


def test_allowed_environments(tmp_path: Path) -> None:
    policy = PolicySettings(allowed_environments=["staging"])
    rt = demo_runtime(team_settings(tmp_path, policy=policy), FakeClock())
    assert scale(rt, "prod", 4).status == "denied"
    assert scale(rt, "staging", 4).status == "approval_required"


def test_operator_of_staging_is_only_a_viewer_in_prod(team: Runtime) -> None:
    assert scale(team, "staging", 4, user="dave").status == "approval_required"
    denied = scale(team, "prod", 4, user="dave")
    assert denied.status == "denied" and "viewer in prod" in denied.summary


def test_unknown_user_can_do_nothing(team: Runtime) -> None:
    for tool, args in [("list_apps", {}), ("get_app_status", {"app": "checkout"})]:
        assert team.guard.call(team.principal(user="mallory"), tool, args).status == "denied"
    assert scale(team, "staging", 4, user="mallory").status == "denied"


def test_viewer_reads(team: Runtime) -> None:
    outcome = team.guard.call(team.principal(user="carol"), "list_apps", {})
    assert outcome.status == "ok"
    assert len(outcome.data["apps"]) == 6


def test_single_user_install_makes_the_os_user_admin(tmp_path: Path) -> None:
    import getpass

    from paas.settings import Settings

    rt = demo_runtime(Settings.load(state_dir=tmp_path / "s", backend="memory"), FakeClock())
    me = rt.principal()
    assert me.id == getpass.getuser() and me.can("admin", "prod")
    request_id = scale(rt, "prod", 5, user=me.id).approval.id  # type: ignore[union-attr]
    assert rt.guard.decide(request_id, True, me).status == "executed"
    assert rt.principal(user="someone-else").can("read", "staging") is False
