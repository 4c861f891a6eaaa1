"""Tools over applications: list, status, metrics (read) and deploy, scale, rollback (mutate)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from paas.domain import AppState, Change, Strategy
from paas.metrics import METRICS, default_step, format_duration, parse_duration
from tools.registry import ToolContext, ToolOutput
from tools.toolset import registry

AppName = Annotated[str, Field(min_length=1, max_length=63, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
EnvName = Annotated[str, Field(min_length=1, max_length=63, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Version = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")]
Replicas = Annotated[int, Field(ge=0, le=1000, strict=True)]
MetricName = Literal["request_rate", "error_rate", "latency_p50", "latency_p95", "latency_p99", "cpu", "memory"]


def app_row(app: AppState) -> dict[str, object]:
    return {
        "app": app.app, "environment": app.environment, "version": app.version, "replicas": app.replicas,
        "ready_replicas": app.ready_replicas, "health": app.health.value, "url": app.url,
    }


def describe_app(app: AppState) -> str:
    ready = f"{app.ready_replicas}/{app.replicas}" if app.ready_replicas is not None else str(app.replicas)
    return f"{app.ref} runs {app.version or 'nothing'} with {ready} replicas ready, {app.health.value}"


@registry.tool(risk="read", permission="read")
def list_apps(ctx: ToolContext, environment: EnvName | None = None) -> ToolOutput:
    """List applications with their version, replicas and health.

    Args:
        environment: Only this environment (e.g. staging, prod); all environments when omitted.
    """
    apps = [a for a in ctx.backend.list_apps(environment) if ctx.principal.can("read", a.environment)]
    if not apps:
        where = f" in {environment}" if environment else ""
        return ToolOutput(f"no apps{where}", {"apps": []})
    summary = "; ".join(describe_app(a) for a in apps)
    return ToolOutput(summary, {"apps": [app_row(a) for a in apps]})


@registry.tool(risk="read", permission="read")
def get_app_status(ctx: ToolContext, app: AppName, environment: EnvName | None = None) -> ToolOutput:
    """Show an application's version, replicas, health, URL, releases and recent deployments.

    Args:
        app: Application name, e.g. checkout.
        environment: Environment name; every environment the app runs in when omitted.
    """
    state = ctx.backend.state()
    envs = [environment] if environment else state.environments_of(app) or [""]
    apps = [ctx.backend.get_status(app, env) for env in envs]
    apps = [a for a in apps if ctx.principal.can("read", a.environment)]
    releases = ctx.backend.list_releases(app)
    notes = {r.version: r.notes for r in releases if r.notes}
    deployments = [d.model_dump(mode="json") for d in state.deployments if d.app == app][-5:]
    data = {"apps": [app_row(a) for a in apps], "releases": [r.version for r in releases], "release_notes": notes,
            "deployments": deployments}
    return ToolOutput("; ".join(describe_app(a) for a in apps), data)


@registry.tool(risk="read", permission="read")
def query_metrics(
    ctx: ToolContext, app: AppName, environment: EnvName, metric: MetricName, window: str = "1h"
) -> ToolOutput:
    """Read a metric of an application over a recent window, with last, min, max and mean.

    Args:
        app: Application name.
        environment: Environment name.
        metric: One of request_rate (req/s), error_rate (%), latency_p50, latency_p95, latency_p99 (ms),
            cpu (%), memory (MB).
        window: How far back to look, such as 15m, 1h, 6h or 1d.
    """
    ctx.backend.get_status(app, environment)
    span = parse_duration(window)
    series = ctx.metrics.query(app, environment, metric, span, default_step(span))
    stats = series.summary()
    unit = METRICS[metric][0]
    if stats["last"] is None:
        summary = f"no {metric} data for {app}/{environment} in the last {format_duration(span)}"
    else:
        summary = (f"{metric} of {app}/{environment} over the last {format_duration(span)}: last {stats['last']} "
                   f"{unit}, min {stats['min']}, max {stats['max']}, mean {stats['mean']}")
    points = [[t.isoformat(), v] for t, v in series.points[-60:]]
    data = {"app": app, "environment": environment, "metric": metric, "unit": unit,
            "window": format_duration(span), "stats": stats, "labels": series.labels, "points": points}
    return ToolOutput(summary, data)


@registry.tool(risk="mutate", permission="deploy")
def deploy_release(
    ctx: ToolContext, app: AppName, environment: EnvName, version: Version,
    strategy: Strategy = Strategy.ROLLING,
) -> Change:
    """Deploy a known release version of an application to an environment. Needs approval.

    Args:
        app: Application name.
        environment: Target environment.
        version: Release version to deploy, e.g. v1.4.2.
        strategy: rolling (replace replicas one at a time) or blue_green (start a new set, then switch).
    """
    return Change(kind="deploy", app=app, environment=environment, version=version, strategy=strategy)


@registry.tool(risk="mutate", permission="scale")
def scale_app(ctx: ToolContext, app: AppName, environment: EnvName, replicas: Replicas) -> Change:
    """Set the number of replicas of an application in an environment. Needs approval.

    Args:
        app: Application name.
        environment: Target environment.
        replicas: The new total number of replicas (absolute, 0 or more).
    """
    return Change(kind="scale", app=app, environment=environment, replicas=replicas)


@registry.tool(risk="mutate", permission="rollback")
def rollback_app(ctx: ToolContext, app: AppName, environment: EnvName, version: Version | None = None) -> Change:
    """Roll an application back to its previous release, or to a named earlier release. Needs approval.

    Args:
        app: Application name.
        environment: Target environment.
        version: Release to go back to; the previously deployed one when omitted.
    """
    return Change(kind="rollback", app=app, environment=environment, version=version)
