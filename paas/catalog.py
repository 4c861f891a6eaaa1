"""Import a platform catalog (apps, environments, releases) as domain events.

The format is the ``platform:`` fixture of an eval case::

    apps:
      - {name: checkout, environment: staging, version: v1.4.2, replicas: 2}
    releases:
      checkout: [v1.4.1, v1.4.2]            # or a list of {version, command, config, notes, health_path}

Importing is idempotent: apps and releases already registered are left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from paas.domain import NAME_PATTERN, Release
from paas.errors import ValidationError
from paas.state import APP_REGISTERED, RELEASE_REGISTERED, PlatformState, app_stream, release_stream
from paas.store import EventStore, NewEvent

DEMO_CATALOG = Path(__file__).with_name("demo.yaml")


class CatalogApp(BaseModel):
    name: str
    environment: str
    version: str | None = None
    replicas: int = Field(default=1, ge=0)
    history: list[str] | None = None  # versions deployed before; default: releases listed before `version`


class Catalog(BaseModel):
    apps: list[CatalogApp] = Field(default_factory=list)
    releases: dict[str, list[str | dict[str, Any]]] = Field(default_factory=dict)

    def release_models(self) -> list[Release]:
        out = []
        for app, entries in self.releases.items():
            for entry in entries:
                data = {"version": entry} if isinstance(entry, str) else dict(entry)
                out.append(Release(app=app, **data))
        return out


def parse_catalog(data: Any) -> Catalog:
    try:
        catalog = Catalog.model_validate(data or {})
    except PydanticValidationError as err:
        raise ValidationError(f"invalid platform catalog: {err}") from err
    for name in {a.name for a in catalog.apps} | {a.environment for a in catalog.apps} | set(catalog.releases):
        if not NAME_PATTERN.match(name):
            raise ValidationError(f"invalid name '{name}': use lower-case letters, digits and dashes")
    return catalog


def load_catalog(path: Path) -> Catalog:
    try:
        return parse_catalog(yaml.safe_load(path.read_text()))
    except (OSError, yaml.YAMLError) as err:
        raise ValidationError(f"cannot read catalog {path}: {err}") from err


def import_catalog(store: EventStore, state: PlatformState, catalog: Catalog, actor: str) -> int:
    """Append registration events for what the state does not have yet. Returns how many were added."""
    added = 0
    known = {app: set(versions) for app, versions in state.releases.items()}
    for release in catalog.release_models():
        if release.version in known.get(release.app, set()):
            continue
        stream = release_stream(release.app)
        store.append(stream, [NewEvent(type=RELEASE_REGISTERED, data=release.model_dump(), actor=actor)])
        known.setdefault(release.app, set()).add(release.version)
        added += 1
    for app in catalog.apps:
        if (app.name, app.environment) in state.apps:
            continue
        if app.version and app.version not in known.get(app.name, set()):
            stream = release_stream(app.name)
            data = Release(app=app.name, version=app.version).model_dump()
            store.append(stream, [NewEvent(type=RELEASE_REGISTERED, data=data, actor=actor)])
            known.setdefault(app.name, set()).add(app.version)
        data = {"app": app.name, "environment": app.environment, "version": app.version,
                "replicas": app.replicas, "history": _history(catalog, app)}
        store.append(app_stream(app.name, app.environment), [NewEvent(type=APP_REGISTERED, data=data, actor=actor)],
                     expected_version=0)
        added += 1
    return added


def _history(catalog: Catalog, app: CatalogApp) -> list[str]:
    if app.history is not None or not app.version:
        return list(app.history or [])
    versions = [r.version for r in catalog.release_models() if r.app == app.name]
    return versions[: versions.index(app.version)] if app.version in versions else []
