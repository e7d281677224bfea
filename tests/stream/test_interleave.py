"""The ordering model without servers: workers over an in-memory stream and one SQLite file.

Same claim as ``test_parity.py`` (features and decisions equal the single process), with
the stream faked, so it runs wherever the suite runs; plus a worker restarted from its ack
floor and a database failure in the middle of a batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from riskline.clock import SystemClock
from riskline.events import Event
from riskline.stream import Outbox, StreamNames, Worker, encode_message, slot_of, worker_runtime
from tests.stream.conftest import world_events
from tests.stream.fakes import MemoryJetStream
from tests.stream.helpers import comparable, decisions_of, reference_run, settings_for

N = 1500


def _stream(events: Sequence[Event]) -> MemoryJetStream:
    js = MemoryJetStream(StreamNames("mem"))
    for e in events:
        js.add(encode_message(e), e.occurred_at)
    return js


def _worker(
    url: str,
    tmp: Path,
    js: MemoryJetStream,
    slot: int,
    slots: int,
    batch: int,
    observe: str = "all",
) -> Worker:
    runtime = worker_runtime(settings_for(url, tmp))
    outbox = Outbox(runtime.db, SystemClock())
    w = Worker(runtime, js, outbox, slot, slots, batch, observe=observe)  # type: ignore[arg-type]
    w.start()
    return w


def _mismatches(url_a: str, url_b: str, events: Sequence[Event]) -> list[str]:
    a, b = decisions_of(url_a, events), decisions_of(url_b, events)
    assert len(a) == len(b) == len(events)
    return [e.event_id for e in events if comparable(a[e.event_id]) != comparable(b[e.event_id])]


@pytest.mark.parametrize("slots", [1, 3])
def test_slots_stepping_in_any_order_equal_the_single_process(slots: int, tmp_path: Path) -> None:
    events = world_events(N)
    ref, url = f"sqlite:///{tmp_path / 'ref.db'}", f"sqlite:///{tmp_path / 'w.db'}"
    reference_run(settings_for(ref, tmp_path), events)
    js = _stream(events)
    # Different batch sizes: the workers are at different places of the stream all along.
    workers = [_worker(url, tmp_path, js, k, slots, batch=50 + 37 * k) for k in range(slots)]
    while any(w.position < N for w in workers):
        for w in workers:
            w.step()
    assert _mismatches(ref, url, events) == []
    assert [w.stats.decided for w in workers] == [
        sum(slot_of(e, slots) == k for e in events) for k in range(slots)
    ]
    for w in workers:
        w.runtime.close()


def test_observing_only_own_events_would_not_be_exact(tmp_path: Path) -> None:
    """The control: a partitioned worker (own events only) gives other features."""
    events = world_events(N)
    ref, url = f"sqlite:///{tmp_path / 'ref.db'}", f"sqlite:///{tmp_path / 'own.db'}"
    reference_run(settings_for(ref, tmp_path), events)
    own = [e for e in events if slot_of(e, 2) == 0]
    reference_run(settings_for(url, tmp_path), own)
    a, b = decisions_of(ref, own), decisions_of(url, own)
    assert any(dict(a[e.event_id].features) != dict(b[e.event_id].features) for e in own)


def test_partitioned_mode_equals_one_process_per_slot(tmp_path: Path) -> None:
    """``--observe own``: each slot's decisions are those of a process that saw only its slot."""
    events = world_events(N)
    url = f"sqlite:///{tmp_path / 'w.db'}"
    js = _stream(events)
    workers = [_worker(url, tmp_path, js, k, 2, batch=64, observe="own") for k in range(2)]
    while any(w.position < N for w in workers):
        for w in workers:
            w.step()
    for k in range(2):
        own = [e for e in events if slot_of(e, 2) == k]
        ref = f"sqlite:///{tmp_path / f'ref{k}.db'}"
        reference_run(settings_for(ref, tmp_path), own)
        assert _mismatches(ref, url, own) == []
    assert workers[0].stats.observed == 0  # nothing of the other slot was observed
    for w in workers:
        w.runtime.close()


def test_restart_from_the_ack_floor_and_a_failed_commit_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = world_events(N)
    ref, url = f"sqlite:///{tmp_path / 'ref.db'}", f"sqlite:///{tmp_path / 'w.db'}"
    reference_run(settings_for(ref, tmp_path), events)
    js = _stream(events)
    w0, w1 = (_worker(url, tmp_path, js, k, 2, batch=64) for k in range(2))
    while w1.position < 600:
        w0.step()
        w1.step()
    # Slot 1 dies after committing a batch but before acknowledging it.
    original = w1.outbox.record
    monkeypatch.setattr(w1.outbox, "record", lambda ds: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        w1.step()
    monkeypatch.setattr(w1.outbox, "record", original)
    w1.runtime.close()
    floor = js.ack_floor("worker-1-of-2")
    assert floor is not None and floor < w1.position  # committed past its ack floor
    w1 = _worker(url, tmp_path, js, 1, 2, batch=64)
    assert w1.position == floor
    # One commit of slot 0 fails: state is rebuilt from the stream and the batch retried.
    store = w0.runtime.store
    real_commit = store.commit
    calls = {"n": 0}

    def flaky(batch: object) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk went away")
        real_commit(batch)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "commit", flaky)
    w0.max_backoff = 0.01
    while w0.position < N or w1.position < N:
        w0.step()
        w1.step()
    assert w0.stats.retries >= 1 and w0.stats.rebuilds >= 2
    assert w1.stats.replayed > 0  # the redelivered, already committed events
    assert _mismatches(ref, url, events) == []
    from sqlalchemy import func, select

    from riskline.stream import outbox_table

    with w0.runtime.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(outbox_table)).scalar_one() == N
    w0.runtime.close()
    w1.runtime.close()
