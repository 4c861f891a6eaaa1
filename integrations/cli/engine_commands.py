"""`paas up|down|load`: run the local engine, stop it from any terminal, and send it traffic."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.table import Table

from integrations.cli.render import apps_table, console
from paas.domain import AppState
from paas.errors import BackendError
from paas.local.backend import LocalBackend
from paas.local.daemon import UpOptions, run, start_detached, stop_running
from paas.local.engine import LocalEngine
from paas.local.load import run_load
from paas.local.settings import LocalSettings
from paas.metrics import parse_duration
from paas.settings import Settings
from paas.store import open_store

engine_app = typer.Typer(help="Run the local engine.", no_args_is_help=True)
READY_WAIT_SECONDS = 20.0


@dataclass(frozen=True)
class EngineSetup:
    state_dir: Path
    store_url: str
    local: LocalSettings


def setup() -> EngineSetup:
    """The engine's part of the settings tree (``local:``)."""
    settings = Settings.load()
    local = settings.local
    if settings.database_url is None:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
    return EngineSetup(settings.state_dir, settings.store_url, local)


def register(app: typer.Typer) -> None:
    app.command("up")(up)
    app.command("down")(down)
    app.command("load")(load)


def _rows(apps: list[AppState]) -> list[dict[str, object]]:
    return [a.model_dump(mode="json") for a in apps]


def _wait_ready(read: Callable[[], list[AppState]], timeout: float = READY_WAIT_SECONDS) -> list[AppState]:
    """Give the apps a moment to pass their first health checks, so the table shows them running."""
    deadline = time.monotonic() + timeout
    apps = read()
    while time.monotonic() < deadline and any(a.health not in ("healthy", "stopped") for a in apps):
        time.sleep(0.3)
        apps = read()
    return apps


def _show(apps: list[AppState], engine_url: str) -> None:
    if apps:
        console.print(apps_table(_rows(apps)))
    else:
        console.print("No apps yet: `paas up --demo` starts demo apps, or import a catalog.")
    console.print(f"Prometheus metrics: {engine_url}/metrics")


def up(
    demo: bool = typer.Option(False, "--demo", help="Also create demo apps (web, checkout, payments) with traffic."),
    detach: bool = typer.Option(False, "--detach", "-d", help="Run in the background; `paas down` stops it."),
) -> None:
    """Start the local engine and every app the store describes (Ctrl-C stops it all)."""
    cfg = setup()
    options = UpOptions(cfg.state_dir, cfg.store_url, cfg.local, demo=demo)
    if detach:
        info = start_detached(options)
        store = open_store(cfg.store_url)
        try:
            backend = LocalBackend(store, cfg.state_dir, cfg.local)
            _show(_wait_ready(backend.list_apps), info.url)
        finally:
            store.close()
        console.print(f"Engine running in the background (pid {info.pid}); `paas down` stops it.")
        return

    def ready(engine: LocalEngine) -> None:
        _show(_wait_ready(engine.observed_all), engine.info.url)
        console.print("Engine running; Ctrl-C stops it and every app.")

    run(options, on_ready=ready)
    console.print("Engine stopped; the apps start again with the next `paas up`.")


def down() -> None:
    """Stop the running engine and every process it started (state stays for the next `paas up`)."""
    cfg = setup()
    report = stop_running(cfg.state_dir, cfg.local.stop_grace_seconds)
    if report.engine_pid is None and not report.leftovers:
        console.print("No engine is running.")
        return
    if report.engine_pid is not None:
        console.print(f"Stopped the engine (pid {report.engine_pid}).")
    if report.leftovers:
        console.print(f"Stopped {report.leftovers} replica(s) a previous engine had left running.")


def load(
    app: str,
    environment: str | None = typer.Option(None, "--env", "-e", help="Environment (if the app runs in several)."),
    rps: float = typer.Option(50.0, "--rps", help="Requests per second."),
    duration: str = typer.Option("60s", "--duration", help="How long, e.g. 30s, 5m."),
    path: str = typer.Option("/", "--path", help="Path to request."),
) -> None:
    """Send steady traffic to an app through its proxy and report what came back."""
    cfg = setup()
    seconds = parse_duration(duration).total_seconds()
    store = open_store(cfg.store_url)
    try:
        backend = LocalBackend(store, cfg.state_dir, cfg.local)
        env = backend.state().resolve_environment(app, environment)
        url = backend.get_status(app, env).url
    finally:
        store.close()
    if not url:
        raise BackendError("the local engine is not running: start it with `paas up` (or `paas up --detach`)")
    with console.status(f"{rps:g} req/s to {app}/{env} ({url}) for {duration}..."):
        report = run_load(url + path, rps, seconds)
    table = Table("requests", "req/s", "failed", "p50 ms", "p99 ms", "statuses", box=None, pad_edge=False)
    p50, p99 = report.latency(50), report.latency(99)
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(report.statuses.items()))
    errors = ", ".join(f"{kind}: {n}" for kind, n in report.errors.items())
    table.add_row(str(report.sent), f"{report.achieved_rps:.1f}", str(report.failed),
                  "-" if p50 is None else f"{p50:.1f}", "-" if p99 is None else f"{p99:.1f}",
                  "; ".join(s for s in (statuses, errors) if s))
    console.print(table)


engine_app.command("up")(up)
engine_app.command("down")(down)
engine_app.command("load")(load)
