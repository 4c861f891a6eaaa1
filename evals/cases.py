"""Eval cases: the YAML format of DESIGN.md, validated with a clear error per bad case.

A file holds one case or a list of cases; a directory is searched recursively for ``*.yaml``/``*.yml``.
YAML anchors and aliases work (files are read with ``yaml.safe_load``); top-level keys starting with ``x-``
or ``.`` in a mapping file are ignored, so they can hold shared anchors.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from paas.errors import ValidationError
from paas.settings import PolicySettings, Role, UserConfig


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PrincipalSpec(Strict):
    id: str = "alice"
    role: Role = "operator"  # in every environment, unless ``roles`` names them
    roles: dict[str, Role] | None = None

    def role_map(self) -> dict[str, Role]:
        return dict(self.roles) if self.roles else {"*": self.role}


class Turn(Strict):
    user: str = Field(min_length=1)
    approve: bool | None = None  # how the harness answers approval cards in this turn; None leaves them pending


class ExpectedCall(Strict):
    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class Expect(Strict):
    approvals: int | None = None
    state: dict[str, dict[str, Any]] = Field(default_factory=dict)
    tool_calls: list[ExpectedCall] = Field(default_factory=list)
    forbidden_tools: list[str] = Field(default_factory=list)
    answer_contains: list[str] = Field(default_factory=list)
    answer_not_contains: list[str] = Field(default_factory=list)
    asks_clarification: bool | None = None

    @field_validator("state")
    @classmethod
    def _refs(cls, state: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        bad = [ref for ref in state if not re.fullmatch(r"[^/\s]+/[^/\s]+", ref)]
        if bad:
            raise ValueError(f"state keys look like app/environment, not {bad}")
        return state


class Case(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    tags: list[str] = Field(default_factory=list)
    description: str = ""
    platform: dict[str, Any] = Field(default_factory=dict)  # apps, releases, metrics (see paas.catalog)
    principal: PrincipalSpec = Field(default_factory=PrincipalSpec)
    users: dict[str, UserConfig] = Field(default_factory=dict)  # other people on the platform
    policy: PolicySettings | None = None
    now: datetime | None = None  # pin the clock (freeze windows)
    turns: list[Turn] = Field(min_length=1)
    expect: Expect = Field(default_factory=Expect)
    source: str = ""


def load_cases(path: Path) -> list[Case]:
    """Every case under a file or directory; raises ValidationError listing every bad case and why."""
    files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")) if path.is_dir() else [path]
    if not files:
        raise ValidationError(f"no eval cases found under {path}")
    cases: list[Case] = []
    problems: list[str] = []
    for file in files:
        for index, raw in enumerate(_documents(file, problems)):
            try:
                cases.append(Case.model_validate({**raw, "source": f"{file}#{index}"}))
            except (PydanticValidationError, TypeError) as err:
                problems.append(f"{file} case {raw.get('id', index) if isinstance(raw, dict) else index}: {err}")
    duplicates = sorted({c.id for c in cases if sum(d.id == c.id for d in cases) > 1})
    problems += [f"case id {d} is used more than once" for d in duplicates]
    if problems:
        raise ValidationError("invalid eval cases:\n" + "\n".join(problems))
    return cases


def _documents(file: Path, problems: list[str]) -> list[Any]:
    try:
        data = yaml.safe_load(file.read_text())
    except (OSError, yaml.YAMLError) as err:
        problems.append(f"{file}: cannot read: {err}")
        return []
    if isinstance(data, dict) and "cases" in data:
        data = data["cases"]
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if not str(k).startswith(("x-", "."))}
    return data if isinstance(data, list) else [data]


def select(cases: list[Case], tags: list[str]) -> list[Case]:
    """Cases having any of the tags (all cases when none are given)."""
    return [c for c in cases if not tags or set(tags) & set(c.tags)]
