"""Spark backfill against the online engine on a simulated world: every feature, every event."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest

from riskline.batch import run_backfill, write_event_table
from riskline.features import default_catalog
from riskline.features.batch import compute_batch_replay
from tests.batch.world import world

CATALOG = default_catalog()


@pytest.fixture(scope="module")
def frames(
    spark: Any, tmp_path_factory: pytest.TempPathFactory
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(online replay, Spark backfill read back from Parquet), both in arrival order."""
    events = world()
    folder: Path = tmp_path_factory.mktemp("backfill")
    write_event_table(CATALOG, events, folder / "events.parquet")
    n = run_backfill(spark, folder / "events.parquet", folder / "out", CATALOG, timedelta(hours=24))
    assert n == len(events)
    ours = pl.from_arrow(pq.read_table(folder / "out")).sort("idx")
    assert isinstance(ours, pl.DataFrame)
    return compute_batch_replay(CATALOG, events), ours


def test_world_has_late_and_out_of_order_events() -> None:
    ts = np.array([int(e.occurred_at.timestamp()) for e in world()])
    watermark = np.maximum.accumulate(ts)
    assert (ts < watermark - 86400).sum() >= 2  # late: read at the horizon, windows skipped
    assert ((ts < watermark) & (ts >= watermark - 86400)).sum() >= 20  # out of order


def test_rows_are_the_events_in_arrival_order(frames: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    online, ours = frames
    assert ours["event_id"].to_list() == online["event_id"].to_list()


@pytest.mark.parametrize("name", [d.name for d in CATALOG])
def test_feature_equals_online(frames: tuple[pl.DataFrame, pl.DataFrame], name: str) -> None:
    online, ours = frames
    a, b = online[name], ours[name]
    assert (a.is_null() == b.is_null()).all(), "touched entity kinds differ"
    x, y = a.drop_nulls().to_numpy(), b.drop_nulls().to_numpy()
    assert (np.isnan(x) == np.isnan(y)).all(), "missing values (NaN) differ"
    ok = np.isnan(x) | np.isclose(x, y, rtol=1e-9, atol=1e-9)
    bad = np.nonzero(~ok)[0][:5]
    assert ok.all(), f"{name}: online {x[bad]} vs spark {y[bad]}"
