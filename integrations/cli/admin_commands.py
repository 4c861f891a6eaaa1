"""`paas init` (register apps and releases) and `paas whoami`."""

from __future__ import annotations

from pathlib import Path

import typer

from integrations.cli.context import runtime
from integrations.cli.render import console
from paas.catalog import DEMO_CATALOG, import_catalog, load_catalog
from paas.errors import PermissionDeniedError, ValidationError


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("whoami")(whoami)


def init(
    demo: bool = typer.Option(False, "--demo", help="Register the demo apps web, checkout and payments."),
    catalog: Path | None = typer.Option(None, "--catalog", help="Register apps and releases from a YAML file."),
) -> None:
    """Create the state directory and register apps and releases (admins only; idempotent, audited)."""
    rt = runtime()
    principal = rt.principal()
    if not principal.can("admin", None):
        raise PermissionDeniedError(f"{principal.id} is not an admin; only admins register apps and releases")
    if demo and catalog:
        raise ValidationError("use --demo or --catalog, not both")
    path = DEMO_CATALOG if demo else catalog
    added = 0
    if path is not None:
        added = import_catalog(rt.store, rt.platform.backend.state(), load_catalog(path), principal.id)
    console.print(f"state in {rt.store.url}; registered {added} new app(s) and release(s)")


def whoami() -> None:
    """Show who the CLI acts as and their roles."""
    rt = runtime()
    console.print(rt.principal().describe())
