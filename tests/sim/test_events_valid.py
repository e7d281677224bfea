from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from riskline.errors import NotFound
from riskline.events import EVENT_TYPES, PiiHasher, parse_event
from riskline.sim import Labels, load_world


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
