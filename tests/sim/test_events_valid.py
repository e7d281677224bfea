from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from riskline.errors import NotFound
from riskline.events import EVENT_TYPES, PiiHasher, parse_event
from riskline.sim import Labels, WorldConfig, load_world, simulate


def test_every_event_parses_with_the_wire_schema(events: list[dict[str, Any]]) -> None:
    hasher = PiiHasher(b"sim-test-secret")
    parsed = Counter(parse_event(e, hasher).type for e in events)
    assert set(parsed) == set(EVENT_TYPES) - {"refund"}
    assert sum(parsed.values()) == len(events)


def test_events_are_time_ordered_with_unique_ids(events: list[dict[str, Any]]) -> None:
    times = [e["occurred_at"] for e in events]
    assert times == sorted(times)
    assert len({e["event_id"] for e in events}) == len(events)


def test_events_carry_no_labels(events: list[dict[str, Any]], labels: Labels) -> None:
    keys = {k for e in events for k in e}
    assert not any(k.startswith("_") or k in ("typology", "ring_id") for k in keys)
    ring_ids = set(labels.rings)
    assert not any(v in ring_ids for e in events for v in e.values() if isinstance(v, str))


def test_parquet_holds_the_same_events_in_the_same_order(
    world_dir: Path, events: list[dict[str, Any]]
) -> None:
    table = pl.read_parquet(world_dir / "events.parquet")
    assert table["event_id"].to_list() == [e["event_id"] for e in events]
    payments = table.filter(pl.col("type") == "payment")
    first = next(e for e in events if e["type"] == "payment")
    assert payments["amount"][0] == float(first["amount"])


def test_every_event_label_points_at_an_event(events: list[dict[str, Any]], labels: Labels) -> None:
    ids = {e["event_id"] for e in events}
    assert labels.events
    assert set(labels.events) <= ids
    for ring in labels.rings.values():
        assert ring["start_ts"] <= ring["end_ts"]


def test_loading_a_directory_without_a_world_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"events\.jsonl"):
        load_world(tmp_path)


def _acting_before_opening(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    opened: set[str] = set()
    early: list[tuple[str, str]] = []
    for e in events:
        account = e.get("account_id")
        if e["type"] == "account_opened":
            opened.add(account)
        elif isinstance(account, str) and account.startswith("A") and account not in opened:
            early.append((account, e["event_id"]))
    return early


def test_no_ring_account_acts_before_it_is_opened(tmp_path: Path) -> None:
    # Dispersed farms (every farm after day 0) open their accounts days apart: each account's
    # camouflage and cash-out come after its own opening, and an account opened after the
    # world ends is no actor (it has nothing to be caught by).
    config = WorldConfig.small("hard", variant_day=0, seed=5)
    simulate(config, tmp_path)
    world = load_world(tmp_path)
    with (tmp_path / "events.jsonl").open() as fh:
        events = [json.loads(line) for line in fh]
    ring_accounts = {r["id"] for r in world.labels.actors() if r["level"] == "account"}
    early = [(a, e) for a, e in _acting_before_opening(events) if a in ring_accounts]
    assert early == []
    farms = {r["id"] for r in world.labels.actors() if r["typology"] == "farm"}
    seen = {e["account_id"] for e in events if "account_id" in e}
    assert farms and farms <= seen
