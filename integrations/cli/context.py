"""Per-invocation CLI state: the runtime is built lazily, once, from settings."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperGroup

from integrations.cli.render import err_console
from integrations.runtime import Runtime, build_runtime
from paas.errors import PaasError, PermissionDeniedError, PolicyError
from paas.settings import Settings

EXIT_ERROR = 1
EXIT_PENDING = 3
EXIT_DENIED = 4
EXIT_REJECTED = 5


@dataclass
class CliState:
    """The runtime of the current invocation, built on first use and closed when the command ends."""

    runtime: Runtime | None = None

    def close(self) -> None:
        if self.runtime is not None:
            self.runtime.close()
            self.runtime = None


_current = CliState()


def start_invocation(ctx: typer.Context) -> None:
    global _current
    _current = CliState()
    ctx.call_on_close(_current.close)


def runtime() -> Runtime:
    if _current.runtime is None:
        _current.runtime = build_runtime(Settings.load())
    return _current.runtime


def interactive() -> bool:
    """Only a person at a terminal can answer an approval prompt."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def exit_code(err: PaasError) -> int:
    return EXIT_DENIED if isinstance(err, PermissionDeniedError | PolicyError) else EXIT_ERROR


class PaasGroup(TyperGroup):
    """Turns project errors into one red line and an exit code, at the edge."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PaasError as err:
            err_console.print(f"[red]error:[/] {err}")
            raise typer.Exit(exit_code(err)) from None
