"""Group commit isolation: a caller refused inside a shared group does not fail its neighbours.

The single writer (:class:`riskline.service.Ingestor`) decides every waiting caller's batch in
one engine batch and one transaction. When that combined batch is refused (a conflicting
replay, a future timestamp), only the caller that brought the bad event may fail: the others
are decided and committed as if they had come alone. The tests hold the writer on a call while
three callers queue up, so the three are certain to share one group.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, wait
from datetime import timedelta
from typing import Any

import pytest

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.decisioning import BatchResult
from riskline.errors import IdempotencyConflict, InvalidEvent, RisklineError
from riskline.events import Event, parse_event
from riskline.events.codec import canonical_json, fingerprint_of
from riskline.runtime import Runtime, build_runtime
from riskline.service import Ingestor
from tests.conftest import SECRET, ScriptedFeatures
from tests.factories import wire


@pytest.fixture
def runtime(db_url: str, clock: FixedClock) -> Iterator[Runtime]:
    """The real engine and writer on SQLite and PostgreSQL (features scripted: fast)."""
    settings = Settings(database_url=db_url, pii_secret=SECRET)
    rt = build_runtime(settings, clock=clock, features=ScriptedFeatures(), projections=False)
    yield rt
    rt.close()


def _in_one_group(ingestor: Ingestor, batches: Sequence[Sequence[Event]]) -> list[Future[Any]]:
    """Submit each batch as its own caller, all in one group commit; the callers' futures."""
    gate = threading.Event()
    held = ingestor.call(gate.wait)  # the writer waits here while the callers queue up
    groups, requests = ingestor.groups, ingestor.grouped_requests
    futures = [ingestor.submit(batch) for batch in batches]
    gate.set()
    held.result(timeout=10)
    _, pending = wait(futures, timeout=60)
    assert not pending, "the writer did not answer every caller"
    assert (ingestor.groups - groups, ingestor.grouped_requests - requests) == (1, len(batches))
    return futures


def _one(rt: Runtime, kind: str, **fields: Any) -> Event:
    return parse_event(wire(kind, **fields), rt.hasher)


def _conflicting_replay(rt: Runtime) -> tuple[Event, type[RisklineError]]:
    """An event id already in the ledger, sent again with other content."""
    rt.ingestor.process([_one(rt, "payment", event_id="known", amount="10.00")])
    return _one(rt, "payment", event_id="known", amount="99.00"), IdempotencyConflict


def _future_timestamp(rt: Runtime) -> tuple[Event, type[RisklineError]]:
    """An event dated a year ahead of the engine's clock."""
    at = rt.engine.clock.now() + timedelta(days=365)
    return _one(rt, "payment", event_id="ahead", at=at), InvalidEvent


Bad = Callable[[Runtime], tuple[Event, type[RisklineError]]]


@pytest.mark.parametrize(
    "bad", [_conflicting_replay, _future_timestamp], ids=["conflicting-replay", "future-date"]
)
def test_one_refused_caller_does_not_fail_its_neighbours(runtime: Runtime, bad: Bad) -> None:
    refused, error = bad(runtime)
    before = _one(runtime, "login", event_id="n-before", account_id="a7", device_id="d7")
    after = [
        _one(runtime, "account_opened", event_id="n-open", account_id="a8", person_id="p8"),
        _one(runtime, "payment", event_id="n-pay", account_id="a8"),
    ]
    first, middle, last = _in_one_group(runtime.ingestor, [[before], [refused], after])

    with pytest.raises(error):
        middle.result()
    for future, batch in ((first, [before]), (last, after)):
        result: BatchResult = future.result()
        assert [d.event_id for d in result.decisions] == [e.event_id for e in batch]
        assert result.replayed == (False,) * len(batch)
    stored = runtime.store.find_events(["n-before", "n-open", "n-pay", refused.event_id])
    assert {"n-before", "n-open", "n-pay"} <= set(stored)
    kept = stored.get(refused.event_id)  # the refused content never reached the ledger
    assert kept is None or kept.fingerprint != fingerprint_of(canonical_json(refused))
    again = runtime.ingestor.process([before, *after])  # committed once: a replay now
    assert again.replayed == (True, True, True)


def test_two_callers_with_one_id_in_one_group_the_first_wins(runtime: Runtime) -> None:
    """Two callers send different content under one event id in the same group: the first is
    decided, the second is a conflict with it, and a third, unrelated caller is unaffected."""
    mine = _one(runtime, "payment", event_id="twice", amount="10.00")
    theirs = _one(runtime, "payment", event_id="twice", amount="20.00")
    other = _one(runtime, "login", event_id="bystander", account_id="a9", device_id="d9")
    first, second, third = _in_one_group(runtime.ingestor, [[mine], [theirs], [other]])

    assert first.result().decisions[0].event_id == "twice"
    with pytest.raises(IdempotencyConflict):
        second.result()
    assert third.result().decisions[0].event_id == "bystander"
    assert runtime.ingestor.process([mine]).replayed == (True,)
