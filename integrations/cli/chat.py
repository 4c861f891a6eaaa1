"""The `paas chat` loop: history, multi-line input (end a line with \\), and slash commands."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from langchain_core.messages import AIMessage, HumanMessage

from integrations.cli.agent_commands import new_conversation
from integrations.cli.agent_render import answer_approvals, render_events
from integrations.cli.context import interactive
from integrations.cli.render import console, err_console
from integrations.runtime import Runtime, build_agent
from paas.errors import PaasError

HELP = """commands:
  /approve ID        approve a pending change (it runs once, exactly as shown)
  /reject ID [why]   reject a pending change
  /model NAME        switch model (offline, openai:<model>, anthropic:<model>, ollama:<model>)
  /new               start a new conversation
  /usage             tokens and cost of this conversation
  /help              this text
  /exit              leave (Ctrl-D works too)
end a line with \\ to continue on the next one"""


class ChatSession:
    def __init__(self, rt: Runtime, model: str | None, conversation: str) -> None:
        self.rt = rt
        self.principal = rt.principal()
        self.agent = build_agent(rt, model)
        self.conversation = conversation
        self.commands: dict[str, Callable[[str], None]] = {
            "approve": lambda arg: self._decide(arg, True), "reject": lambda arg: self._decide(arg, False),
            "model": self._model, "new": self._new, "usage": self._usage, "help": lambda _: console.print(HELP),
        }

    def loop(self) -> None:
        _history(self.rt.settings.state_dir / "chat_history")
        console.print(f"paas chat · {self.agent.model_name} · conversation {self.conversation} · /help")
        self._replay()
        while (text := self._read()) is not None:
            if text.strip() in ("/exit", "/quit"):
                break
            if text.startswith("/"):
                self._command(text[1:])
            elif text.strip():
                self._turn(text)

    def _read(self) -> str | None:
        lines: list[str] = []
        prompt = "you> "
        while True:
            try:
                line = input(prompt)
            except EOFError:
                console.print()
                return None
            if not line.endswith("\\"):
                return "\n".join([*lines, line])
            lines.append(line[:-1])
            prompt = "...  "

    def _turn(self, text: str) -> None:
        view = render_events(self.agent.run_turn(self.conversation, self.principal, text))
        answer_approvals(self.agent, self.principal, view, interactive())

    def _command(self, text: str) -> None:
        name, _, arg = text.partition(" ")
        handler = self.commands.get(name)
        if handler is None:
            err_console.print(f"unknown command /{name}: /help lists them")
            return
        try:
            handler(arg.strip())
        except PaasError as err:
            err_console.print(f"[red]error:[/] {err}")

    def _decide(self, arg: str, approve: bool) -> None:
        request_id, _, reason = arg.partition(" ")
        request = self.agent.guard.approvals.get(request_id)
        events = self.agent.decide(request_id, approve, self.principal, expected_hash=request.args_hash,
                                   reason=reason)
        render_events(events)

    def _model(self, name: str) -> None:
        self.agent = build_agent(self.rt, name or None)
        console.print(f"model: {self.agent.model_name}")

    def _new(self, _: str) -> None:
        self.conversation = new_conversation()
        console.print(f"new conversation {self.conversation}")

    def _usage(self, _: str) -> None:
        turns = [e.data for e in self.rt.store.read_all(stream_prefix="usage")
                 if e.type == "TurnCompleted" and e.data["conversation"] == self.conversation]
        tokens = sum(t["input_tokens"] + t["output_tokens"] for t in turns)
        cost = sum(t["cost_usd"] for t in turns)
        console.print(f"{len(turns)} turn(s), {tokens} tokens, ${cost:.4f} in conversation {self.conversation}")

    def _replay(self, last: int = 6) -> None:
        shown = [m for m in self.agent.messages(self.conversation)
                 if isinstance(m, HumanMessage) or (isinstance(m, AIMessage) and m.text)]
        for message in shown[-last:]:
            who = "you" if isinstance(message, HumanMessage) else "paas"
            console.print(f"[dim]{who}> {message.text}[/]")


def _history(path: Path) -> None:
    with contextlib.suppress(ImportError, OSError):
        import atexit
        import readline

        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            readline.read_history_file(path)
        atexit.register(readline.write_history_file, path)
