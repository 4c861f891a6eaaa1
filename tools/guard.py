"""The guard: the one gate every tool call passes, from the model, the CLI, Slack, the web or an incident.

call():   validate -> authorise -> (read: run now) | (mutate: dry-run plan -> policy -> hold for approval)
decide(): approver authorised, request pending and unexpired, two-person rule, args hash unchanged ->
          re-validate and execute the stored arguments exactly once.
Every step is an event in the hash-chained store.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from paas.access import AccessControl, Principal
from paas.domain import Change, ChangeResult, DeploymentStatus, Plan
from paas.errors import (
    ApprovalClosedError,
    ApprovalExpiredError,
    ArgsMismatchError,
    ConcurrencyError,
    NotFoundError,
    PaasError,
    PermissionDeniedError,
    PolicyError,
    ValidationError,
)
from paas.platform import Platform
from paas.ports import apply_change
from paas.store import NewEvent
from tools.approvals import (
    APPROVAL_DECIDED,
    APPROVAL_EXPIRED,
    APPROVAL_REQUESTED,
    TOOL_EXECUTED,
    TOOL_FAILED,
    ApprovalBook,
    ApprovalRequest,
    approval_stream,
    args_hash,
    check_id,
    new_approval_id,
)
from tools.outcome import ToolOutcome
from tools.policy import PolicyEngine
from tools.registry import Registry, Tool, ToolContext, ToolOutput

log = logging.getLogger(__name__)

GUARD_STREAM = "guard"
TOOL_CALLED = "ToolCalled"
TOOL_DENIED = "ToolDenied"
TOOL_INVALID = "ToolInvalid"
_WAIT_FOR_OTHER_DECIDER = 10.0

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Guard:
    """Runs read tools, holds mutating ones for approval, executes approved ones once."""

    def __init__(
        self, registry: Registry, platform: Platform, access: AccessControl, policy: PolicyEngine,
        clock: Clock = utcnow,
    ) -> None:
        self.registry = registry
        self.platform = platform
        self.access = access
        self.policy = policy
        self.clock = clock
        self.approvals = ApprovalBook(platform.store)

    # calls ----------------------------------------------------------------------------------------------

    def call(
        self, principal: Principal, tool_name: str, args: dict[str, Any] | None, conversation: str | None = None
    ) -> ToolOutcome:
        """Validate and authorise a call; run it if it reads, hold it for approval if it mutates."""
        args = args or {}
        try:
            tool = self.registry.get(tool_name)
            parsed = tool.parse(args)
            self._check_exists(parsed)
            self._authorise(principal, tool, parsed)
            if tool.mutating:
                return self._hold(principal, tool, parsed, conversation)
            return self._read(principal, tool, parsed)
        except (PermissionDeniedError, PolicyError) as err:
            self._record(TOOL_DENIED, principal.id, tool_name, args, str(err))
            return ToolOutcome("denied", tool_name, str(err))
        except ValidationError as err:
            self._record(TOOL_INVALID, principal.id, tool_name, args, str(err))
            return ToolOutcome("error", tool_name, str(err))

    def _check_exists(self, parsed: BaseModel) -> None:
        """The app and environment named in the arguments exist (hallucinated names fail here)."""
        app, environment = getattr(parsed, "app", None), getattr(parsed, "environment", None)
        state = self.platform.backend.state()
        if app and environment:
            state.get(app, environment)
        elif app and app not in state.app_names:
            state.get(app, "")
        elif environment and environment not in state.environments:
            known = ", ".join(state.environments) or "none yet"
            raise NotFoundError(f"unknown environment '{environment}' (environments: {known})")

    def _authorise(self, principal: Principal, tool: Tool, parsed: BaseModel) -> None:
        environment = getattr(parsed, "environment", None)
        if principal.can(tool.permission, environment):
            return
        where = f"in {environment}" if environment else "anywhere"
        role = principal.role_in(environment) if environment else None
        who = f"{principal.id} ({role or 'no role'} {where})"
        raise PermissionDeniedError(
            f"{who} may not {tool.name.replace('_', ' ')}: it needs the '{tool.permission}' permission; "
            "ask an admin to grant a role that has it"
        )

    def _context(self, principal: Principal) -> ToolContext:
        p = self.platform
        return ToolContext(p.backend, p.metrics, p.store, principal, self.clock())

    def _read(self, principal: Principal, tool: Tool, parsed: BaseModel) -> ToolOutcome:
        output: ToolOutput = tool.func(self._context(principal), **dict(parsed))
        self._record(TOOL_CALLED, principal.id, tool.name, parsed.model_dump(mode="json"), output.summary)
        return ToolOutcome("ok", tool.name, output.summary, output.data)

    def _prepare(self, principal: Principal, tool: Tool, parsed: BaseModel) -> tuple[Change, Plan]:
        """Build the change, dry-run it and check policy (at request time and again at execution)."""
        change: Change = tool.func(self._context(principal), **dict(parsed))
        plan = self.platform.backend.plan(change)
        current = self.platform.backend.get_status(change.app, change.environment)
        self.policy.check(change, current, self.clock())
        return change, plan

    def _hold(
        self, principal: Principal, tool: Tool, parsed: BaseModel, conversation: str | None
    ) -> ToolOutcome:
        change, plan = self._prepare(principal, tool, parsed)
        args = parsed.model_dump(mode="json")
        if change.kind == "rollback":
            args["version"] = plan.after["version"]  # bind the approval to the exact target
        request = self._new_request(principal, tool, args, plan, conversation)
        event = NewEvent(type=APPROVAL_REQUESTED, data=request.model_dump(mode="json"), actor=principal.id)
        self.platform.store.append(approval_stream(request.id), [event], expected_version=0)
        log.info("approval %s requested by %s: %s", request.id, principal.id, plan.summary)
        return ToolOutcome("approval_required", tool.name, plan.summary, approval=request)

    def _new_request(
        self, principal: Principal, tool: Tool, args: dict[str, Any], plan: Plan, conversation: str | None
    ) -> ApprovalRequest:
        env = plan.change.environment
        two_person = self.policy.two_person(env)
        approvers = self.access.holders("approve", env)
        if two_person:
            approvers = [a for a in approvers if a != principal.id]
        now = self.clock()
        ttl = timedelta(seconds=self.policy.settings.approval_ttl_seconds)
        return ApprovalRequest(
            id=new_approval_id(), tool=tool.name, args=args, args_hash=args_hash(tool.name, args),
            requester=principal.id, via=principal.via, environment=env, summary=plan.summary,
            diff=plan.diff_lines(), steps=list(plan.steps), two_person=two_person, approvers=approvers,
            created_at=now, expires_at=now + ttl, conversation=conversation,
        )

    # decisions ------------------------------------------------------------------------------------------

    def decide(
        self, request_id: str, approve: bool, approver: Principal, expected_hash: str | None = None,
        reason: str = "",
    ) -> ToolOutcome:
        """Approve or reject a pending request. Approving executes it, exactly once; repeats are idempotent."""
        request = self.approvals.get(check_id(request_id))
        if request.status == "approved":  # another decider is executing it right now
            request = self._wait_for_outcome(request.id)
        if request.status != "pending":
            return self._already_decided(request, approve)
        try:
            self._check_decision(request, approve, approver, expected_hash)
        except (PermissionDeniedError, PolicyError) as err:
            self._record(TOOL_DENIED, approver.id, request.tool, request.args, str(err), request.id)
            raise
        decision = NewEvent(
            type=APPROVAL_DECIDED, actor=approver.id,
            data={"decision": "approve" if approve else "reject", "reason": reason, "via": approver.via},
        )
        try:
            self.platform.store.append(approval_stream(request.id), [decision], expected_version=1)
        except ConcurrencyError:
            return self._already_decided(self._wait_for_outcome(request.id), approve)
        if not approve:
            return self._rejected(self.approvals.get(request.id))
        return self._execute(request, approver)

    def _check_decision(
        self, request: ApprovalRequest, approve: bool, approver: Principal, expected_hash: str | None
    ) -> None:
        if request.is_expired(self.clock()):
            self._expire(request)
            raise ApprovalExpiredError(
                f"{request.id} expired at {request.expires_at:%Y-%m-%d %H:%M} UTC; ask again to get a new request"
            )
        if not approver.can("approve", request.environment):
            raise PermissionDeniedError(
                f"{approver.id} may not approve changes in {request.environment}; "
                f"who can: {', '.join(request.approvers) or 'nobody configured'}"
            )
        if approve and request.two_person and approver.id == request.requester:
            raise PolicyError(
                f"{request.environment} needs a second person: {request.requester} asked for this change and "
                f"cannot approve it; ask one of: {', '.join(request.approvers) or 'an approver'}"
            )
        if args_hash(request.tool, request.args) != request.args_hash:
            raise ArgsMismatchError(f"{request.id}: the stored arguments were changed after the request; refusing")
        if expected_hash is not None and expected_hash != request.args_hash:
            raise ArgsMismatchError(
                f"{request.id}: the arguments you approved are not the ones requested; reload the request"
            )

    def _expire(self, request: ApprovalRequest) -> None:
        with contextlib.suppress(ConcurrencyError):  # someone else recorded it first
            self.platform.store.append(
                approval_stream(request.id), [NewEvent(type=APPROVAL_EXPIRED, actor="system")], expected_version=1
            )

    def _execute(self, request: ApprovalRequest, approver: Principal) -> ToolOutcome:
        """Run the stored arguments once; record the result or the failure, whatever it is."""
        try:
            result = self._run_approved(request, approver)
        except Exception as err:  # noqa: BLE001 - any failure is recorded, never lost
            message = str(err) if isinstance(err, PaasError) else f"{type(err).__name__}: {err}"
            log.warning("approved %s failed: %s", request.id, message)
            failed = {"summary": f"not done: {message}", "error": type(err).__name__}
            self._close(request, TOOL_FAILED, failed, approver)
            return ToolOutcome("failed", request.tool, f"approved but not done: {message}")
        after = result.after.model_dump(mode="json")
        summary = describe_result(result)
        done = {"summary": summary, "before": result.before.model_dump(mode="json"), "after": after}
        deployment = result.deployment
        if deployment is not None and deployment.status != DeploymentStatus.SUCCEEDED:
            self._close(request, TOOL_FAILED, done, approver)  # carried out, but the platform undid it
            return ToolOutcome("failed", request.tool, summary, {"after": after})
        self._close(request, TOOL_EXECUTED, done, approver)
        return ToolOutcome("executed", request.tool, summary, {"after": after})

    def _run_approved(self, request: ApprovalRequest, approver: Principal) -> ChangeResult:
        """Re-validate with the requester's rights at execution time, then apply the change."""
        requester = self.access.principal(request.requester, request.via)
        tool = self.registry.get(request.tool)
        parsed = tool.parse(request.args)
        self._authorise(requester, tool, parsed)
        change, _ = self._prepare(requester, tool, parsed)
        return apply_change(self.platform.backend, change, actor=f"{approver.id}:{request.id}")

    def _close(self, request: ApprovalRequest, kind: str, data: dict[str, Any], approver: Principal) -> None:
        event = NewEvent(type=kind, data=data, actor=approver.id)
        self.platform.store.append(approval_stream(request.id), [event], expected_version=2)

    def _wait_for_outcome(self, request_id: str) -> ApprovalRequest:
        """Another decider won the race: wait (bounded) for its outcome to be recorded."""
        deadline = time.monotonic() + _WAIT_FOR_OTHER_DECIDER
        request = self.approvals.get(request_id)
        while request.status == "approved" and time.monotonic() < deadline:
            time.sleep(0.05)
            request = self.approvals.get(request_id)
        return request

    def _already_decided(self, request: ApprovalRequest, approve: bool) -> ToolOutcome:
        if approve and request.status == "executed":
            return ToolOutcome("executed", request.tool, request.result)
        if approve and request.status == "failed":
            return ToolOutcome("failed", request.tool, request.result)
        if not approve and request.status == "rejected":
            return self._rejected(request)
        by = f" by {request.decided_by}" if request.decided_by else ""
        raise ApprovalClosedError(f"{request.id} is already {request.status}{by}; nothing to decide")

    @staticmethod
    def _rejected(request: ApprovalRequest) -> ToolOutcome:
        summary = f"{request.decided_by} rejected {request.id} ({request.summary}); do not retry"
        return ToolOutcome("rejected", request.tool, summary)

    # audit ----------------------------------------------------------------------------------------------

    def _record(
        self, kind: str, actor: str, tool: str, args: dict[str, Any], message: str, request_id: str | None = None
    ) -> None:
        data = {"tool": tool, "args": args, "message": message}
        if request_id:
            data["approval"] = request_id
        self.platform.store.append(GUARD_STREAM, [NewEvent(type=kind, data=data, actor=actor)])


def describe_result(result: ChangeResult) -> str:
    after = result.after
    deployment = result.deployment
    if deployment is not None and deployment.status != DeploymentStatus.SUCCEEDED:
        text = f"{after.ref}: the deploy of {deployment.version} {deployment.status.value.replace('_', ' ')}"
        return f"{text}; still on {after.version}. {result.message}".strip()
    if result.change.kind == "scale":
        text = f"{after.ref} now has {after.replicas} replica(s) (was {result.before.replicas})"
    else:
        text = f"{after.ref} now runs {after.version} (was {result.before.version})"
    return f"{text}. {result.message}".strip() if result.message else text
