"""The `paas` entry point: mounts every command group."""

from __future__ import annotations

import logging

import typer

from integrations.cli import (
    admin_commands,
    agent_commands,
    approval_commands,
    engine_commands,
    eval_commands,
    platform_commands,
)
from integrations.cli.context import PaasGroup, start_invocation

app = typer.Typer(
    cls=PaasGroup,
    help="AI-Native PaaS: deploy, scale and roll back apps; every change waits for a human's approval.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def main(ctx: typer.Context, verbose: bool = typer.Option(False, "--verbose", "-v", help="Log to stderr.")) -> None:
    """AI-Native PaaS command line."""
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    start_invocation(ctx)


platform_commands.register(app)
approval_commands.register(app)
admin_commands.register(app)
agent_commands.register(app)
eval_commands.register(app)
engine_commands.register(app)


def run() -> None:
    app()
