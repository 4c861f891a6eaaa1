"""The event store on SQLite and PostgreSQL: appends, optimistic concurrency, the hash chain."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from paas.errors import ConcurrencyError
from paas.store import NewEvent, open_store


def ev(kind: str = "Thing", **data: object) -> NewEvent:
    return NewEvent(type=kind, data=dict(data), actor="tester")


def test_append_and_read_back_in_order(store_url: str) -> None:
    store = open_store(store_url)
    store.append("s1", [ev(n=1), ev(n=2)], expected_version=0)
    store.append("s2", [ev(n=3)])
    assert [e.data["n"] for e in store.read_stream("s1")] == [1, 2]
    assert [(e.stream, e.version) for e in store.read_all()] == [("s1", 1), ("s1", 2), ("s2", 1)]
    assert [e.position for e in store.read_all(after=1)] == [2, 3]
    assert store.stream_version("s1") == 2


def test_stale_expected_version_is_refused_and_writes_nothing(store_url: str) -> None:
    store = open_store(store_url)
    store.append("s", [ev()], expected_version=0)
    with pytest.raises(ConcurrencyError, match="expected 0"):
        store.append("s", [ev(lost=True)], expected_version=0)
    assert len(store.read_all()) == 1


def test_concurrent_writers_never_lose_an_update_or_fork_the_chain(store_url: str) -> None:
    store = open_store(store_url)
    won: list[int] = []

    def writer(i: int) -> None:
        for _ in range(20):
            version = store.stream_version("counter")
            try:
                store.append("counter", [ev(writer=i)], expected_version=version)
                won.append(i)
            except ConcurrencyError:
                continue

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    events = store.read_stream("counter")
    assert len(events) == len(won)
    assert [e.version for e in events] == list(range(1, len(won) + 1))
    assert store.verify().ok


def test_verify_detects_a_modified_event(store_url: str) -> None:
    store = open_store(store_url)
    store.append("s", [ev(replicas=3), ev(replicas=4)])
    assert store.verify().ok
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE paas_events SET data = :d WHERE position = 1"), {"d": '{"replicas":30}'})
    report = store.verify()
    assert not report.ok
    assert any("event 1" in p and "modified" in p for p in report.problems)


def test_verify_detects_a_deleted_event(store_url: str) -> None:
    store = open_store(store_url)
    store.append("s", [ev(n=1), ev(n=2), ev(n=3)])
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM paas_events WHERE position = 2"))
    report = store.verify()
    assert any("missing" in p for p in report.problems)


def test_verify_detects_a_deleted_last_event(store_url: str) -> None:
    store = open_store(store_url)
    store.append("s", [ev(n=1), ev(n=2)])
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM paas_events WHERE position = 2"))
    assert not store.verify().ok


def test_store_survives_reopening(store_url: str) -> None:
    first = open_store(store_url)
    first.append("s", [ev(n=1)])
    first.close()
    second = open_store(store_url)
    second.append("s", [ev(n=2)], expected_version=1)
    assert [e.data["n"] for e in second.read_stream("s")] == [1, 2]
    assert second.verify().ok


def test_in_memory_store_is_safe_across_threads() -> None:
    store = open_store("sqlite://")
    errors: list[Exception] = []

    def work(i: int) -> None:
        try:
            for n in range(25):
                store.append(f"s{i}", [ev(n=n)])
                store.read_all(after=n)
        except Exception as err:  # noqa: BLE001 - collected for the assertion
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.read_all()) == 150 and store.verify().ok
