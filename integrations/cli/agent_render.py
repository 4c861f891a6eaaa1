"""Rendering agent events in the terminal, and answering approval cards at a prompt."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import typer

from agent.events import AgentEvent
from agent.runtime import Agent
from integrations.cli.render import approval_card, console, err_console
from paas.access import Principal
from paas.errors import PaasError
from tools.approvals import ApprovalRequest


@dataclass
class TurnView:
    """What a rendered turn left behind: approvals to answer, and whether it ended in an error."""

    approvals: list[ApprovalRequest] = field(default_factory=list)
    failed: bool = False
    streamed: bool = False


def render_events(events: Iterable[AgentEvent], show_usage: bool = True) -> TurnView:
    view = TurnView()
    for event in events:
        _render(event, view, show_usage)
    return view


def _render(event: AgentEvent, view: TurnView, show_usage: bool) -> None:
    if event.kind == "text":
        view.streamed = True
        console.print(event.text, end="", markup=False)
    elif event.kind == "tool_call":
        args = ", ".join(f"{k}={v}" for k, v in event.data["args"].items() if v is not None)
        console.print(f"[dim]→ {event.data['name']}({args})[/]")
    elif event.kind == "tool_result":
        style = "dim" if event.data.get("status") in ("ok", "executed") else "yellow"
        console.print(f"[{style}]← {event.data.get('status')}: {event.text}[/]", markup=True, highlight=False)
    elif event.kind == "approval_required" and event.approval is not None:
        view.approvals.append(event.approval)
        console.print(approval_card(event.approval))
    elif event.kind == "final":
        if not view.streamed:
            console.print(event.text, markup=False)
        else:
            console.print()
        view.streamed = False
    elif event.kind == "error":
        view.failed = True
        err_console.print(f"[red]error:[/] {event.text}")
    elif event.kind == "usage" and show_usage:
        d = event.data
        console.print(f"[dim]{d['model']} · {d['input_tokens']}+{d['output_tokens']} tokens · ${d['cost_usd']:.4f} · "
                      f"{d['model_calls']} model / {d['tool_calls']} tool calls · {d['seconds']:.2f}s[/]")


def answer_approvals(agent: Agent, principal: Principal, view: TurnView, interactive: bool) -> bool:
    """Ask `Approve? [y/N]` for each card this person may approve. Returns True if any stays pending."""
    pending = False
    for request in view.approvals:
        if not interactive or principal.id not in request.approvers:
            who = ", ".join(request.approvers) or "an approver"
            console.print(f"Pending: {who} can approve it with `paas approve {request.id}`.")
            pending = True
            continue
        approved = typer.confirm("Approve?", default=False)
        reason = "" if approved else "declined at the prompt"
        try:
            events = agent.decide(request.id, approved, principal, expected_hash=request.args_hash, reason=reason)
            more = render_events(events)
        except PaasError as err:
            err_console.print(f"[red]error:[/] {err}")
            continue
        pending = answer_approvals(agent, principal, more, interactive) or pending
    return pending
