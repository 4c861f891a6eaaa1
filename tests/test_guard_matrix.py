"""The full approval matrix, for every mutating tool in the registry."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from integrations.runtime import Runtime
from paas.changes import change_events
from paas.domain import Change, ChangeResult
from paas.errors import ApprovalClosedError, ApprovalExpiredError, ArgsMismatchError, PermissionDeniedError, PolicyError
from paas.memory import InMemoryBackend
from paas.platform import Platform
from paas.state import app_stream
from tests.guard_cases import EXAMPLES, PROD_EXAMPLES, Example, domain_events
from tools import Guard, registry

MUTATING = [t.name for t in registry if t.mutating]


def test_every_mutating_tool_has_a_matrix_example() -> None:
    assert MUTATING and set(MUTATING) == set(EXAMPLES) == set(PROD_EXAMPLES)


def request(rt: Runtime, example: Example, user: str = "alice") -> str:
    outcome = rt.guard.call(rt.principal(user=user), example.tool, example.args)
    assert outcome.status == "approval_required", outcome.summary
    assert outcome.approval is not None
    return outcome.approval.id


@pytest.fixture(params=MUTATING)
def example(request: pytest.FixtureRequest) -> Example:
    return EXAMPLES[request.param]


@pytest.fixture(params=MUTATING)
def prod_example(request: pytest.FixtureRequest) -> Example:
    return PROD_EXAMPLES[request.param]


def test_without_approval_nothing_changes(team: Runtime, example: Example) -> None:
    request_id = request(team, example)
    assert not example.done(team)
    assert domain_events(team) == []
    assert team.guard.approvals.get(request_id).status == "pending"


def test_approve_executes_exactly_once(team: Runtime, example: Example) -> None:
    request_id = request(team, example)
    result = team.guard.decide(request_id, True, team.principal(user="bob"))
    assert result.status == "executed", result.summary
    assert example.done(team)
    again = team.guard.decide(request_id, True, team.principal(user="bob"))
    assert again.status == "executed"
    assert len(domain_events(team)) == 1
    assert team.guard.approvals.get(request_id).status == "executed"


def test_reject_never_executes(team: Runtime, example: Example) -> None:
    request_id = request(team, example)
    result = team.guard.decide(request_id, False, team.principal(user="bob"), reason="not now")
    assert result.status == "rejected"
    assert "do not retry" in result.summary
    with pytest.raises(ApprovalClosedError):
        team.guard.decide(request_id, True, team.principal(user="bob"))
    assert not example.done(team)
    assert domain_events(team) == []


def test_expired_request_cannot_be_approved(team: Runtime, example: Example, clock) -> None:  # type: ignore[no-untyped-def]
    request_id = request(team, example)
    clock.advance(seconds=team.settings.policy.approval_ttl_seconds + 1)
    with pytest.raises(ApprovalExpiredError):
        team.guard.decide(request_id, True, team.principal(user="bob"))
    assert team.guard.approvals.get(request_id).status == "expired"
    assert not example.done(team)


def test_approver_without_permission_is_refused(team: Runtime, example: Example) -> None:
    request_id = request(team, example)
    for user in ("carol", "mallory"):  # a viewer, and someone not configured at all
        with pytest.raises(PermissionDeniedError):
            team.guard.decide(request_id, True, team.principal(user=user))
    assert team.guard.approvals.get(request_id).status == "pending"
    assert not example.done(team)
    denied = [e for e in team.store.read_all() if e.type == "ToolDenied"]
    assert [e.actor for e in denied] == ["carol", "mallory"]


def test_requester_cannot_approve_own_prod_change(team: Runtime, prod_example: Example) -> None:
    request_id = request(team, prod_example, user="alice")
    with pytest.raises(PolicyError, match="second person"):
        team.guard.decide(request_id, True, team.principal(user="alice"))
    assert not prod_example.done(team)
    result = team.guard.decide(request_id, True, team.principal(user="bob"))
    assert result.status == "executed"
    assert prod_example.done(team)


def test_args_changed_after_the_request_are_refused(team: Runtime, example: Example) -> None:
    request_id = request(team, example)
    stored = team.guard.approvals.get(request_id)
    with pytest.raises(ArgsMismatchError):
        team.guard.decide(request_id, True, team.principal(user="bob"), expected_hash="0" * 64)
    tampered = stored.model_dump_json().replace('"app":"checkout"', '"app":"payments"')
    assert tampered != stored.model_dump_json()
    with team.store.engine.begin() as conn:
        conn.execute(text("UPDATE paas_events SET data = :d WHERE stream = :s"),
                     {"d": tampered, "s": f"approval:{request_id}"})
    with pytest.raises(ArgsMismatchError):
        team.guard.decide(request_id, True, team.principal(user="bob"))
    assert domain_events(team) == []
    assert not team.store.verify().ok


def test_viewer_cannot_even_request_a_change(team: Runtime, example: Example) -> None:
    outcome = team.guard.call(team.principal(user="carol"), example.tool, example.args)
    assert outcome.status == "denied"
    assert "carol" in outcome.summary
    assert team.guard.approvals.all() == []


class SelfRollingBackBackend(InMemoryBackend):
    """A backend whose new versions fail their health checks, like the local engine's auto-rollback."""

    def deploy(self, app, environment, version, strategy, actor):  # type: ignore[no-untyped-def]
        state = self.state()
        change = Change(kind="deploy", app=app, environment=environment, version=version, strategy=strategy)
        events = change_events(state, change, status="rolled_back", reason="health check failed")
        self.store.append(app_stream(app, environment), [e.model_copy(update={"actor": actor}) for e in events])
        current = self.get_status(app, environment)
        deployment = self.state().deployments[-1]
        return ChangeResult(change=change, before=current, after=current, deployment=deployment,
                            message="v1.4.0 failed GET /health; v1.4.2 keeps serving")


def test_a_deploy_the_platform_rolled_back_is_reported_as_failed(team: Runtime) -> None:
    platform = Platform(team.store, SelfRollingBackBackend(team.store), team.platform.metrics)
    guard = Guard(team.guard.registry, platform, team.access, team.guard.policy, clock=team.guard.clock)
    held = guard.call(team.principal(user="alice"), "deploy_release", EXAMPLES["deploy_release"].args).approval
    assert held is not None
    result = guard.decide(held.id, True, team.principal(user="bob"))
    assert result.status == "failed"
    assert "rolled back" in result.summary and "still on v1.4.2" in result.summary
    assert guard.approvals.get(held.id).status == "failed"


def test_approving_while_another_decider_executes_waits_for_its_outcome(team: Runtime) -> None:
    import threading

    from paas.store import NewEvent
    from tools.approvals import APPROVAL_DECIDED, TOOL_EXECUTED, approval_stream

    request_id = request(team, EXAMPLES["scale_app"])
    stream = approval_stream(request_id)
    team.store.append(stream, [NewEvent(type=APPROVAL_DECIDED, data={"decision": "approve"}, actor="bob")], 1)
    finish = threading.Timer(0.3, lambda: team.store.append(
        stream, [NewEvent(type=TOOL_EXECUTED, data={"summary": "done elsewhere"}, actor="bob")], 2))
    finish.start()
    result = team.guard.decide(request_id, True, team.principal(user="bob"))
    finish.join()
    assert (result.status, result.summary) == ("executed", "done elsewhere")
