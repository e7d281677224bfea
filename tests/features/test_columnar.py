"""Columnar batch input (Parquet / Arrow / polars) == replay through the online engine."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskline.bench.synth import generate_history
from riskline.errors import InvalidInput
from riskline.events import PiiHasher, parse_event
from riskline.features import default_catalog
from riskline.features.batch import compute_batch_replay
from riskline.features.columnar import compute_batch_columns, write_columns
from riskline.features.frame import direct_frame
from riskline.features.jit import decayed_sums, search_sorted, seg_cummax, seg_cummin
from riskline.features.readers import decay_update, decayed

from .test_fastbatch import _assert_frames_equal


@pytest.mark.parametrize(("disorder", "hours"), [(0.0, 24), (0.1, 24), (0.2, 1)])
def test_parquet_equals_online_replay(tmp_path: Path, disorder: float, hours: int) -> None:
    events = generate_history(900, seed=13, n_accounts=60, disorder=disorder)
    cat, lateness = default_catalog(), timedelta(hours=hours)
    path = tmp_path / "events.parquet"
    assert write_columns(cat, events, path) == len(events)
    got = compute_batch_columns(cat, path, lateness)
    _assert_frames_equal(compute_batch_replay(cat, events, lateness), got)


def test_simulated_world_from_parquet_equals_online(tmp_path: Path) -> None:
    from riskline import sim

    hasher = PiiHasher(b"test-secret")
    cfg = sim.WorldConfig.small(persons=300, days=15)
    events = [parse_event(d, hasher) for d in sim.iter_events(cfg)]
    cat = default_catalog()
    write_columns(cat, events, tmp_path / "w.parquet")
    got = compute_batch_columns(cat, tmp_path / "w.parquet")
    _assert_frames_equal(compute_batch_replay(cat, events), got)


def test_arrow_and_polars_inputs_give_the_same_frame() -> None:
    events = generate_history(300, seed=3, n_accounts=30)
    cat = default_catalog()
    df = direct_frame(cat, events)
    from_polars = compute_batch_columns(cat, df)
    assert from_polars.equals(compute_batch_columns(cat, df.to_arrow()))
    shuffled_columns = df.select(reversed(df.columns))  # column order does not matter
    assert from_polars.equals(compute_batch_columns(cat, shuffled_columns))


def test_missing_columns_and_unreadable_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="'type' column"):
        compute_batch_columns(default_catalog(), pl.DataFrame({"event_id": ["e"], "ts": [1]}))
    bad = tmp_path / "x.parquet"
    bad.write_text("not parquet")
    with pytest.raises(InvalidInput, match="cannot be read"):
        compute_batch_columns(default_catalog(), bad)


rows = st.lists(st.tuples(st.integers(0, 2), st.integers(-50, 50), st.booleans()), max_size=60)


@settings(max_examples=60, deadline=None)
@given(rows)
def test_segment_scans_match_brute_force(spec: list[tuple[int, int, bool]]) -> None:
    kc = np.array(sorted(k for k, _, _ in spec), dtype=np.int64)
    x = np.array([float(v) for _, v, _ in spec])
    for fn, pick in ((seg_cummax, max), (seg_cummin, min)):
        want = [pick(x[j] for j in range(i + 1) if kc[j] == kc[i]) for i in range(len(x))]
        assert fn(x, kc).tolist() == want


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 10_000), st.integers(1, 10**6), st.booleans()),
        max_size=40,
    ),
    st.integers(1, 5000),
)
def test_decayed_sums_are_the_online_floats(
    spec: list[tuple[int, int, int, bool]], half_life: int
) -> None:
    """Bit-for-bit the online recurrence (out-of-order times included)."""
    spec = sorted(spec, key=lambda r: r[0])  # entity runs, arrival order kept within each
    kc = np.array([k for k, _, _, _ in spec], dtype=np.int64)
    ts = np.array([t for _, t, _, _ in spec], dtype=np.int64)
    x = np.array([float(v) for _, _, v, _ in spec])
    sel = np.array([s for _, _, _, s in spec], dtype=bool)
    read_at = np.maximum.accumulate(ts) if len(ts) else ts
    got = decayed_sums(sel, x, kc, ts, read_at, half_life).tolist()
    want, life, key = [], [0.0, -math.inf], -1
    for i in range(len(spec)):
        if kc[i] != key:
            key, life = int(kc[i]), [0.0, -math.inf]
        if sel[i]:
            decay_update(life, 0, float(x[i]), int(ts[i]), half_life)
        want.append(decayed(life[0], life[1], int(read_at[i]), half_life))
    assert got == want


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-20, 20), max_size=50), st.lists(st.integers(-25, 25), max_size=50))
def test_search_sorted_is_numpy_searchsorted(a: list[int], q: list[int]) -> None:
    """Sorted inputs take the linear merge, others numpy's binary search: same answers."""
    for arr in (sorted(a), a):
        for qs in (sorted(q), q):
            x, y = np.array(arr, dtype=np.int64), np.array(qs, dtype=np.int64)
            if arr == sorted(arr):
                assert search_sorted(x, y).tolist() == np.searchsorted(x, y, "left").tolist()
