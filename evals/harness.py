"""Play one eval case: an in-memory platform from its fixture, its turns through ``run_turn`` as its principal,
approval cards answered as the case says, then a record of everything that happened."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.memory import InMemorySaver

from agent.events import AgentEvent
from agent.runtime import Agent, AgentOptions
from evals.cases import Case
from integrations.runtime import Runtime
from paas.access import AccessControl
from paas.catalog import import_catalog, parse_catalog
from paas.generated import GeneratedMetrics
from paas.memory import InMemoryBackend
from paas.platform import Platform
from paas.settings import AccessSettings, PolicySettings, Settings, UserConfig
from paas.store import open_store
from tools import Guard, PolicyEngine, registry
from tools.guard import Clock, utcnow

APPROVER = "eval-approver"
MAX_APPROVAL_ROUNDS = 5

ModelFactory = Callable[[Runtime], BaseChatModel]


@dataclass
class TurnRecord:
    user: str
    calls: list[dict[str, Any]] = field(default_factory=list)  # name, args, status
    approvals: int = 0
    answer: str = ""
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    model_calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0

    @property
    def asked(self) -> bool:
        """The turn ended in a question and changed nothing: a clarifying question."""
        return "?" in self.answer and not any(c["status"] in ("approval_required", "executed") for c in self.calls)


@dataclass
class Conversation:
    """What the harness saw, plus the platform afterwards."""

    turns: list[TurnRecord]
    runtime: Runtime
    approved_requests: set[str]


def build_case_runtime(case: Case, settings: Settings, state_dir: Path) -> Runtime:
    """A fresh in-memory platform holding the case's fixture, with its principal and approver configured."""
    store = open_store("sqlite://")
    backend = InMemoryBackend(store)
    import_catalog(store, backend.state(), parse_catalog(_catalog_part(case.platform)), "eval")
    metrics = GeneratedMetrics(state=backend.state, fixtures=case.platform.get("metrics") or {})
    platform = Platform(store=store, backend=backend, metrics=metrics)
    users = {case.principal.id: UserConfig(roles=case.principal.role_map()),
             APPROVER: UserConfig(roles={"*": "admin"}), **case.users}
    access = AccessControl(AccessSettings(users=users), os_user=APPROVER)
    policy = PolicyEngine(case.policy or PolicySettings())
    guard = Guard(registry, platform, access, policy, clock=_clock(case))
    case_settings = settings.model_copy(update={"state_dir": state_dir, "user": case.principal.id})
    return Runtime(settings=case_settings, platform=platform, access=access, guard=guard, user=case.principal.id)


def _clock(case: Case) -> Clock:
    pinned = case.now
    if pinned is None:
        return utcnow
    return lambda: pinned


def _catalog_part(platform: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in platform.items() if k in ("apps", "releases")}


def play(case: Case, settings: Settings, model_factory: ModelFactory, model_name: str) -> Conversation:
    """Run every turn of the case and answer its approval cards."""
    with tempfile.TemporaryDirectory() as tmp:
        runtime = build_case_runtime(case, settings, Path(tmp))
        agent = Agent(runtime.guard, model_factory(runtime), model_name, InMemorySaver(),
                      AgentOptions(limits=settings.agent, prices=settings.providers.prices))
        principal = runtime.principal(via="eval")
        approver = runtime.principal(via="eval", user=APPROVER)
        approved: set[str] = set()
        turns = []
        for turn in case.turns:
            record = TurnRecord(user=turn.user)
            started = time.perf_counter()
            pending = _collect(record, agent.run_turn(case.id, principal, turn.user))
            for _ in range(MAX_APPROVAL_ROUNDS):
                if turn.approve is None or not pending:
                    break
                if turn.approve:
                    approved.update(pending)
                pending = [r for request_id in pending
                           for r in _collect(record, agent.decide(request_id, turn.approve, approver))]
            record.seconds = time.perf_counter() - started
            turns.append(record)
        return Conversation(turns=turns, runtime=runtime, approved_requests=approved)


def _collect(record: TurnRecord, events: Any) -> list[str]:
    """Fold a stream of events into the turn record; return the approval ids it asked for."""
    pending: list[str] = []
    for event in events:
        pending += _fold(record, event)
    return pending


def _fold(record: TurnRecord, event: AgentEvent) -> list[str]:
    if event.kind == "tool_call":
        record.calls.append({"name": event.data["name"], "args": event.data["args"], "status": "called"})
    elif event.kind in ("tool_result", "approval_required"):
        status = event.data.get("status", "")
        call = next((c for c in reversed(record.calls) if c["status"] == "called"), None)
        if call is not None and event.data.get("tool") in (call["name"], None):
            call["status"] = status
        else:  # the outcome of a decision the harness made
            record.calls.append({"name": event.data.get("tool"), "args": {}, "status": status, "decision": True})
        if event.approval is not None:
            record.approvals += 1
            return [event.approval.id]
    elif event.kind == "final":
        record.answer = f"{record.answer}\n{event.text}".strip()
    elif event.kind == "error":
        record.errors.append(event.text)
    elif event.kind == "usage":
        record.model_calls += event.data["model_calls"]
        record.tokens += event.data["input_tokens"] + event.data["output_tokens"]
        record.cost_usd += event.data["cost_usd"]
    return []
