"""Approvals across processes and restarts, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from paas.settings import Settings
from tests.conftest import demo_runtime, team_settings
from tests.guard_cases import EXAMPLES, domain_events
from tools.approvals import TOOL_EXECUTED


def _approve_in_child(settings_json: str, request_id: str, barrier, results) -> None:  # type: ignore[no-untyped-def]
    from integrations.runtime import build_runtime

    rt = build_runtime(Settings.model_validate_json(settings_json))
    barrier.wait(timeout=30)
    try:
        results.put(rt.guard.decide(request_id, True, rt.principal(user="bob")).status)
    except Exception as err:  # noqa: BLE001 - reported to the parent
        results.put(f"{type(err).__name__}: {err}")
    finally:
        rt.close()


def test_two_processes_approving_at_once_execute_once(tmp_path: Path, store_url: str) -> None:
    settings = team_settings(tmp_path, database_url=store_url)
    rt = demo_runtime(settings)
    ids = [rt.guard.call(rt.principal(user="alice"), "scale_app",
                         {"app": app, "environment": "staging", "replicas": 3}).approval.id  # type: ignore[union-attr]
           for app in ("web", "payments", "checkout")]
    rt.close()
    ctx = multiprocessing.get_context("fork")
    for request_id in ids:
        barrier, results = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_approve_in_child, args=(settings.model_dump_json(), request_id, barrier, results))
                 for _ in range(2)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=60)
        assert sorted(results.get(timeout=5) for _ in procs) == ["executed", "executed"]
    rt = demo_runtime(settings)
    executed = [e for e in rt.store.read_all() if e.type == TOOL_EXECUTED]
    assert len(executed) == 3
    assert domain_events(rt) == ["AppScaled"] * 3
    assert all(rt.platform.backend.get_status(app, "staging").replicas == 3 for app in ("web", "payments", "checkout"))
    assert rt.store.verify().ok
    rt.close()


def test_pending_request_survives_a_restart(tmp_path: Path, store_url: str) -> None:
    settings = team_settings(tmp_path, database_url=store_url)
    example = EXAMPLES["scale_app"]
    first = demo_runtime(settings)
    request_id = first.guard.call(first.principal(user="alice"), example.tool, example.args).approval.id  # type: ignore[union-attr]
    first.close()
    second = demo_runtime(settings)
    assert [r.id for r in second.guard.approvals.pending(second.guard.clock())] == [request_id]
    assert second.guard.decide(request_id, True, second.principal(user="bob")).status == "executed"
    assert example.done(second)
    second.close()
