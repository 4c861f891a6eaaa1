"""Principals and role-based access: who may do what, per environment. Deny by default."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from paas.settings import AccessSettings, Role

Permission = Literal["read", "deploy", "scale", "rollback", "approve", "admin"]
ALL_ENVIRONMENTS = "*"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "approver": frozenset({"read", "approve"}),
    "operator": frozenset({"read", "deploy", "scale", "rollback", "approve"}),
    "admin": frozenset({"read", "deploy", "scale", "rollback", "approve", "admin"}),
}


@dataclass(frozen=True)
class Principal:
    """Someone acting through a front end (``via``: cli, web, slack, agent, incident)."""

    id: str
    roles: Mapping[str, Role] = field(default_factory=dict)
    via: str = "cli"

    def role_in(self, environment: str) -> str | None:
        return self.roles.get(environment) or self.roles.get(ALL_ENVIRONMENTS)

    def can(self, permission: str, environment: str | None) -> bool:
        """Allowed in this environment; with ``None``, allowed in at least one environment."""
        if environment is None:
            return any(permission in ROLE_PERMISSIONS[r] for r in self.roles.values())
        role = self.role_in(environment)
        return role is not None and permission in ROLE_PERMISSIONS[role]

    def describe(self) -> str:
        roles = ", ".join(f"{role} in {env}" for env, role in sorted(self.roles.items())) or "no roles"
        return f"{self.id} ({roles.replace('in *', 'everywhere')})"


class AccessControl:
    """Turns user ids into principals from the access settings."""

    def __init__(self, settings: AccessSettings, os_user: str) -> None:
        self.settings = settings
        self.os_user = os_user

    @property
    def single_user(self) -> bool:
        return not self.settings.users

    def principal(self, user_id: str, via: str = "cli") -> Principal:
        """A configured user gets their roles; with no users configured the OS user is admin everywhere."""
        if self.single_user:
            roles: dict[str, Role] = {ALL_ENVIRONMENTS: "admin"} if user_id == self.os_user else {}
            return Principal(id=user_id, roles=roles, via=via)
        user = self.settings.users.get(user_id)
        return Principal(id=user_id, roles=dict(user.roles) if user else {}, via=via)

    def holders(self, permission: str, environment: str) -> list[str]:
        """Every known user holding a permission in an environment (for 'who may approve')."""
        users = [self.os_user] if self.single_user else sorted(self.settings.users)
        return [u for u in users if self.principal(u).can(permission, environment)]
