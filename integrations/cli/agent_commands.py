"""`paas ask`, `paas chat` and `paas usage`: the agent at the command line."""

from __future__ import annotations

import secrets
from collections import defaultdict
from typing import Any

import typer
from rich.table import Table

from integrations.cli.context import EXIT_ERROR, EXIT_PENDING, interactive, runtime
from integrations.cli.render import console, print_json

MODEL = typer.Option(None, "--model", "-m", help="offline, openai:<model>, anthropic:<model>, ollama:<model>.")


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)
    app.command("chat")(chat)
    app.command("usage")(usage)


def new_conversation() -> str:
    return "c_" + secrets.token_hex(6)


def ask(
    text: str = typer.Argument(..., help="What you want, in your own words."),
    model: str | None = MODEL,
    conversation: str | None = typer.Option(None, "--conversation", "-c", help="Continue this conversation."),
) -> None:
    """Ask the agent once: streamed answer, approval card and `Approve? [y/N]` on a terminal."""
    from integrations.cli.agent_render import answer_approvals, render_events
    from integrations.runtime import build_agent

    rt = runtime()
    agent = build_agent(rt, model)
    principal = rt.principal()
    conversation = conversation or new_conversation()
    view = render_events(agent.run_turn(conversation, principal, text))
    pending = answer_approvals(agent, principal, view, interactive())
    console.print(f"[dim]conversation {conversation}[/]")
    if view.failed:
        raise typer.Exit(EXIT_ERROR)
    if pending:
        raise typer.Exit(EXIT_PENDING)


def chat(
    model: str | None = MODEL,
    resume: bool = typer.Option(False, "--resume", "-r", help="Continue your most recent conversation."),
    conversation: str | None = typer.Option(None, "--conversation", "-c", help="Continue this conversation."),
) -> None:
    """An interactive session with history; /help lists the commands."""
    from integrations.cli.chat import ChatSession

    rt = runtime()
    if resume and conversation is None:
        conversation = last_conversation(rt.store.read_all(stream_prefix="usage"), rt.user)
    ChatSession(rt, model, conversation or new_conversation()).loop()


def last_conversation(events: list[Any], user: str) -> str | None:
    mine = [e.data["conversation"] for e in events if e.type == "TurnCompleted" and e.data.get("user") == user]
    return mine[-1] if mine else None


def usage(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Token use, cost, and model and tool calls per model, over every recorded turn."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for ev in runtime().store.read_all(stream_prefix="usage"):
        if ev.type != "TurnCompleted":
            continue
        row = totals[ev.data["model"]]
        row["turns"] += 1
        for key in ("input_tokens", "output_tokens", "cost_usd", "model_calls", "tool_calls", "seconds"):
            row[key] += ev.data.get(key, 0)
    if as_json:
        print_json({model: dict(row) for model, row in totals.items()})
        return
    table = Table("model", "turns", "tokens in", "tokens out", "cost (USD)", "model calls", "tool calls",
                  box=None, pad_edge=False)
    for model, row in sorted(totals.items()):
        table.add_row(model, f"{row['turns']:.0f}", f"{row['input_tokens']:.0f}", f"{row['output_tokens']:.0f}",
                      f"{row['cost_usd']:.4f}", f"{row['model_calls']:.0f}", f"{row['tool_calls']:.0f}")
    console.print(table if totals else "No turns recorded yet.")
