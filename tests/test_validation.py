"""Invalid input gives a clear error and writes no state change."""

from __future__ import annotations

import pytest

from integrations.runtime import Runtime
from paas.errors import NotFoundError, ValidationError
from tests.guard_cases import domain_events


@pytest.mark.parametrize(
    ("tool", "args", "message"),
    [
        ("scale_app", {"app": "chekout", "environment": "staging", "replicas": 3}, "unknown app 'chekout'"),
        ("scale_app", {"app": "checkout", "environment": "qa", "replicas": 3}, "does not run in 'qa'"),
        ("scale_app", {"app": "checkout", "environment": "staging", "replicas": -1}, "replicas"),
        ("scale_app", {"app": "checkout", "environment": "staging", "replicas": "lots"}, "replicas"),
        ("scale_app", {"app": "checkout", "environment": "staging", "replicas": 2}, "already has 2"),
        ("scale_app", {"app": "checkout", "environment": "staging"}, "replicas: Field required"),
        ("scale_app", {"app": "checkout", "environment": "staging", "replicas": 3, "force": True}, "force"),
        ("deploy_release", {"app": "checkout", "environment": "staging", "version": "v9.9.9"},
         "unknown version 'v9.9.9'"),
        ("deploy_release", {"app": "checkout", "environment": "staging", "version": "v1.4.2"}, "already runs"),
        ("deploy_release", {"app": "checkout", "environment": "staging", "version": "v1; rm -rf /"}, "version"),
        ("rollback_app", {"app": "checkout", "environment": "staging", "version": "v0.1"}, "unknown version"),
        ("query_metrics", {"app": "checkout", "environment": "staging", "metric": "vibes"}, "metric"),
        ("query_metrics", {"app": "checkout", "environment": "staging", "metric": "cpu", "window": "soon"},
         "cannot read duration"),
        ("approve_everything", {}, "unknown tool"),
    ],
)
def test_invalid_call_is_explained_and_changes_nothing(team: Runtime, tool: str, args: dict, message: str) -> None:
    outcome = team.guard.call(team.principal(user="alice"), tool, args)
    assert outcome.status == "error"
    assert message in outcome.summary
    assert domain_events(team) == []
    assert team.guard.approvals.all() == []
    assert team.store.read_all()[-1].type == "ToolInvalid"


@pytest.mark.parametrize("bad_id", ["", "123", "apr_XYZ", "apr_0123456789ab'; DROP TABLE x;--"])
def test_malformed_approval_ids_are_refused(team: Runtime, bad_id: str) -> None:
    with pytest.raises(ValidationError, match="not an approval id"):
        team.guard.decide(bad_id, True, team.principal(user="bob"))


def test_unknown_approval_id_is_not_found(team: Runtime) -> None:
    with pytest.raises(NotFoundError, match="paas approvals"):
        team.guard.decide("apr_0123456789ab", True, team.principal(user="bob"))


def test_rollback_without_history_is_explained(team: Runtime) -> None:
    outcome = team.guard.call(team.principal(user="alice"), "rollback_app",
                              {"app": "web", "environment": "prod", "version": None})
    assert outcome.status == "approval_required"  # web/prod has v2.2.0 before it
    team.guard.decide(outcome.approval.id, True, team.principal(user="bob"))  # type: ignore[union-attr]
    again = team.guard.call(team.principal(user="alice"), "rollback_app", {"app": "web", "environment": "prod"})
    assert again.status == "error" and "no previous version" in again.summary
