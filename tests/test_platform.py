"""Platform semantics on the in-memory backend: deploy history, rollback, metrics, catalog import."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from integrations.runtime import Runtime
from paas.catalog import DEMO_CATALOG, import_catalog, load_catalog, parse_catalog
from paas.domain import Strategy
from paas.errors import ValidationError
from paas.generated import GeneratedMetrics
from paas.memory import InMemoryBackend
from paas.metrics import parse_duration
from paas.store import open_store


def test_deploy_then_rollback_returns_to_the_previous_version(team: Runtime) -> None:
    backend = team.platform.backend
    backend.deploy("checkout", "staging", "v1.4.0", Strategy.BLUE_GREEN, "tester")
    assert backend.get_status("checkout", "staging").version == "v1.4.0"
    result = backend.rollback("checkout", "staging", None, "tester")
    assert (result.before.version, result.after.version) == ("v1.4.0", "v1.4.2")
    assert backend.rollback("checkout", "staging", None, "tester").after.version == "v1.4.1"


def test_state_is_rebuilt_from_events_by_another_process_view(team: Runtime) -> None:
    team.platform.backend.scale("web", "staging", 7, "tester")
    fresh = InMemoryBackend(team.store)
    assert fresh.get_status("web", "staging").replicas == 7


def test_catalog_import_is_idempotent(team: Runtime) -> None:
    count = len(team.store.read_all())
    assert import_catalog(team.store, team.platform.backend.state(), load_catalog(DEMO_CATALOG), "root") == 0
    assert len(team.store.read_all()) == count


def test_catalog_rejects_bad_names() -> None:
    with pytest.raises(ValidationError, match="invalid name"):
        parse_catalog({"apps": [{"name": "Bad App", "environment": "prod"}]})


def test_generated_metrics_are_repeatable_and_follow_replicas(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    backend = InMemoryBackend(store)
    import_catalog(store, backend.state(), load_catalog(DEMO_CATALOG), "root")
    metrics = GeneratedMetrics(state=backend.state)
    first = metrics.query("web", "prod", "memory", timedelta(hours=1))
    assert len(first.points) == 60 and first.unit == "MB"
    backend.scale("web", "prod", 8, "tester")
    assert metrics.query("web", "prod", "memory", timedelta(hours=1)).summary()["last"] > first.summary()["last"]


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("30m", 1800), ("2 hours", 7200), ("1d", 86400)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


def test_bad_duration_says_how_to_write_one() -> None:
    with pytest.raises(ValidationError, match="such as 30m"):
        parse_duration("a while")
