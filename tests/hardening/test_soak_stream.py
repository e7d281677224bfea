"""The soak's event stream: a steady population, unique ids, time moving forward."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice

from riskline.bench.soak import replayed_world
from tests.factories import wire


def test_replayed_world_loops_forward_with_unique_ids_and_one_registration() -> None:
    world = [
        wire("account_opened", account_id="a1"),
        wire("payment", account_id="a1"),
        wire("payment", account_id="a1"),
    ]
    out = list(islice(replayed_world(world), 7))
    assert [w["type"] for w in out] == ["account_opened"] + ["payment"] * 6
    assert len({w["event_id"] for w in out}) == 7
    times = [datetime.fromisoformat(w["occurred_at"]) for w in out]
    assert times == sorted(times)
    assert out[3]["event_id"].endswith("-L1") and out[5]["event_id"].endswith("-L2")
    assert {w["account_id"] for w in out} == {"a1"}


def test_replayed_world_can_end_before_a_given_time() -> None:
    world = [wire("account_opened", account_id="a1")] + [
        wire("payment", account_id="a1") for _ in range(9)
    ]
    end = datetime(2026, 3, 1, tzinfo=UTC)
    out = list(islice(replayed_world(world, end=end, loops=3), 28))  # 10 + 9 + 9
    times = [datetime.fromisoformat(w["occurred_at"]) for w in out]
    assert times == sorted(times) and max(times) == end
