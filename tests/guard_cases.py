"""One example call per mutating tool, and how to tell it was carried out (used by the matrix tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrations.runtime import Runtime
from paas.state import DOMAIN_EVENTS


@dataclass(frozen=True)
class Example:
    tool: str
    args: dict[str, Any]
    field: str
    expected: object

    def env(self, environment: str) -> Example:
        return Example(self.tool, {**self.args, "environment": environment}, self.field, self.expected)

    def done(self, rt: Runtime) -> bool:
        app = rt.platform.backend.get_status(self.args["app"], self.args["environment"])
        return getattr(app, self.field) == self.expected


# checkout runs v1.4.2 in staging and v1.4.1 in prod, with releases v1.4.0, v1.4.1, v1.4.2.
EXAMPLES = {
    "scale_app": Example("scale_app", {"app": "checkout", "environment": "staging", "replicas": 4}, "replicas", 4),
    "deploy_release": Example(
        "deploy_release", {"app": "checkout", "environment": "staging", "version": "v1.4.0"}, "version", "v1.4.0"
    ),
    "rollback_app": Example("rollback_app", {"app": "checkout", "environment": "staging"}, "version", "v1.4.1"),
}
PROD_EXAMPLES = {
    "scale_app": EXAMPLES["scale_app"].env("prod"),
    "deploy_release": Example(
        "deploy_release", {"app": "checkout", "environment": "prod", "version": "v1.4.2"}, "version", "v1.4.2"
    ),
    "rollback_app": Example("rollback_app", {"app": "checkout", "environment": "prod"}, "version", "v1.4.0"),
}


def domain_events(rt: Runtime) -> list[str]:
    """Events that changed the platform after the catalog was registered."""
    return [e.type for e in rt.store.read_all() if e.type in DOMAIN_EVENTS and "Registered" not in e.type]
