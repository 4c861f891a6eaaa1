"""A small demo platform and stub tools with the agent's tool signatures, for tests and the held-out evaluation.

The stubs only mirror the signatures (the schema the planner reads); they return canned JSON in the tool
result format and are not the real guarded tools.
"""

from __future__ import annotations

import json
from typing import Literal

from langchain_core.tools import BaseTool, tool

from paas.domain import AppState, Health, Release
from paas.state import PlatformState

DEMO_APPS = (
    ("checkout", "staging", "v1.4.2", 2, ("v1.4.1",)),
    ("checkout", "prod", "v1.4.1", 3, ()),
    ("payments", "staging", "v2.0.0", 1, ()),
    ("payments", "prod", "v2.0.0", 4, ()),
    ("web", "prod", "v3.1.0", 2, ("v3.0.0",)),
    ("inventory-api", "dev", "v0.9.0", 1, ()),
)
DEMO_RELEASES = {
    "checkout": ("v1.4.1", "v1.4.2", "v1.5.0"),
    "payments": ("v2.0.0", "v2.1.0"),
    "web": ("v3.0.0", "v3.1.0"),
    "inventory-api": ("v0.9.0", "v1.0.0"),
}


def demo_state() -> PlatformState:
    """Four apps over dev, staging and prod; checkout and payments run in two environments."""
    apps = {
        (app, env): AppState(app=app, environment=env, version=version, replicas=replicas, history=history,
                             ready_replicas=replicas, health=Health.HEALTHY)
        for app, env, version, replicas, history in DEMO_APPS
    }
    releases = {app: {v: Release(app=app, version=v) for v in versions} for app, versions in DEMO_RELEASES.items()}
    return PlatformState(apps=apps, releases=releases)


def _ok(tool_name: str, summary: str, data: object = None) -> str:
    return json.dumps({"status": "ok", "tool": tool_name, "summary": summary, "data": data or {}})


def _approval(tool_name: str, plan: str) -> str:
    approval = {"id": "apr_0001", "plan": plan, "expires_at": "2030-01-01T00:00:00Z", "approvers": "operators"}
    return json.dumps({"status": "approval_required", "tool": tool_name, "summary": plan, "approval": approval})


@tool
def list_apps(environment: str | None = None) -> str:
    """List the apps and the environments they run in.

    Args:
        environment: only this environment (all when omitted).
    """
    return _ok("list_apps", "4 apps", {"apps": []})


@tool
def get_app_status(app: str, environment: str | None = None) -> str:
    """Show an app's version, replicas and health.

    Args:
        app: the application.
        environment: one environment (all of the app's environments when omitted).
    """
    data = {"app": app, "environment": environment or "staging", "version": "v1.4.2", "replicas": 2,
            "ready_replicas": 2, "health": "healthy"}
    return _ok("get_app_status", f"{app}/{environment} runs v1.4.2, 2/2 replicas, healthy", data)


@tool
def deploy_release(app: str, environment: str, version: str,
                   strategy: Literal["rolling", "blue_green"] = "rolling") -> str:
    """Deploy a release of an app to an environment (needs approval).

    Args:
        app: the application.
        environment: where to deploy.
        version: a known release version.
        strategy: rolling or blue_green.
    """
    return _approval("deploy_release", f"{app}/{environment}: deploy {version}, {strategy}")


@tool
def scale_app(app: str, environment: str, replicas: int) -> str:
    """Set an app's number of replicas (needs approval).

    Args:
        app: the application.
        environment: the environment.
        replicas: the new absolute number of replicas.
    """
    return _approval("scale_app", f"{app}/{environment}: replicas -> {replicas}")


@tool
def rollback_app(app: str, environment: str, version: str | None = None) -> str:
    """Roll an app back to the previous version or a named one (needs approval).

    Args:
        app: the application.
        environment: the environment.
        version: the version to go back to (the previous one when omitted).
    """
    return _approval("rollback_app", f"{app}/{environment}: roll back to {version or 'previous'}")


@tool
def query_metrics(app: str, environment: str, metric: str, window: str = "1h") -> str:
    """Summarise one metric of an app over a time window.

    Args:
        app: the application.
        environment: the environment.
        metric: request_rate, error_rate, latency_p50, latency_p95, latency_p99, cpu or memory.
        window: how far back, such as 30m, 1h or 1d.
    """
    data = {"app": app, "environment": environment, "metric": metric, "window": window,
            "summary": {"last": 0.3, "min": 0.1, "max": 0.5, "mean": 0.3}}
    return _ok("query_metrics", f"{metric} of {app}/{environment}", data)


@tool
def list_approvals(status: Literal["pending", "all"] = "pending") -> str:
    """List approval requests.

    Args:
        status: pending (default) or all.
    """
    return _ok("list_approvals", "no approval requests", {"approvals": []})


@tool
def get_audit_log(limit: int = 20, app: str | None = None) -> str:
    """Show the most recent audit events.

    Args:
        limit: how many events.
        app: only events about this app.
    """
    return _ok("get_audit_log", "no events", {"events": []})


STUB_TOOLS: tuple[BaseTool, ...] = (list_apps, get_app_status, deploy_release, scale_app, rollback_app,
                                    query_metrics, list_approvals, get_audit_log)
