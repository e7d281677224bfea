"""The vectorised batch path == replay through the online engine == the brute-force reference."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import polars as pl
import pytest

from riskline.bench.synth import generate_history
from riskline.events import PiiHasher, parse_event
from riskline.features import Catalog, default_catalog
from riskline.features.batch import compute_batch, compute_batch_replay
from riskline.features.fastbatch import compute_batch_fast
from riskline.features.kernels import range_extreme

from .reference import diff, reference
from .small import SMALL_YAML, build


def _assert_frames_equal(want: pl.DataFrame, got: pl.DataFrame) -> None:
    assert got.columns == want.columns
    assert got["event_id"].to_list() == want["event_id"].to_list()
    for name in want.columns[1:]:
        for i, (a, b) in enumerate(zip(want[name].to_list(), got[name].to_list(), strict=True)):
            ok = (a is None and b is None) or (
                a is not None and b is not None and (a == b or (math.isnan(a) and math.isnan(b)))
            )
            assert ok, (name, i, a, b)


@pytest.mark.parametrize(("disorder", "hours"), [(0.0, 24), (0.08, 24), (0.2, 1)])
def test_fast_equals_replay_and_reference_on_generated_history(disorder: float, hours: int) -> None:
    events = generate_history(500, seed=5, n_accounts=40, disorder=disorder)
    cat, lateness = default_catalog(), timedelta(hours=hours)
    fast = compute_batch_fast(cat, events, lateness)
    _assert_frames_equal(compute_batch_replay(cat, events, lateness), fast)
    rows = fast.to_dicts()
    for e, want, got in zip(events, reference(cat, events, hours * 3600), rows, strict=True):
        got = {k: v for k, v in got.items() if k != "event_id" and v is not None}
        assert diff(want, got) == {}, e.event_id


def test_fast_equals_online_and_reference_on_simulated_world() -> None:
    from riskline import sim

    hasher = PiiHasher(b"test-secret")
    events = [
        parse_event(d, hasher) for d in sim.iter_events(sim.WorldConfig.small(persons=300, days=20))
    ]
    assert len(events) > 3000
    cat = default_catalog()
    fast = compute_batch(cat, events)
    _assert_frames_equal(compute_batch_replay(cat, events), fast)
    head = events[:500]
    rows = fast.head(len(head)).to_dicts()
    for e, want, got in zip(head, reference(cat, head, 24 * 3600), rows, strict=True):
        got = {k: v for k, v in got.items() if k != "event_id" and v is not None}
        assert diff(want, got) == {}, e.event_id


def test_fast_equals_replay_when_value_sets_hit_their_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a cap of 6 values the online sets forget values; the fast path must forget alike."""
    import riskline.features.codegen as codegen
    import riskline.features.rows as rows

    monkeypatch.setattr(codegen, "SET_CAP", 6)
    monkeypatch.setattr(rows, "SET_CAP", 6)
    events = generate_history(1500, seed=8, n_accounts=120, disorder=0.0)
    cat = default_catalog()
    fast = compute_batch_fast(cat, events)
    _assert_frames_equal(compute_batch_replay(cat, events), fast)
    assert fast["device.accounts_30d"].max() == 6  # the cap really bit


def test_fast_equals_replay_on_small_catalog_with_short_windows() -> None:
    spec = [
        (
            i % 2,
            i % 3,
            (i * 7) % 5,
            (i * 37) % 900 + 1,
            i * 97 % 7200 + (i // 40) * 3600,
            i % 4 == 0,
        )
        for i in range(300)
    ]
    events = build(spec)
    cat = Catalog.from_yaml(SMALL_YAML)
    lateness = timedelta(hours=1)
    _assert_frames_equal(
        compute_batch_replay(cat, events, lateness), compute_batch_fast(cat, events, lateness)
    )


def test_range_extreme_matches_brute_force() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(size=200)
    lo = np.minimum(np.arange(200), rng.integers(0, 200, size=200))
    want = [a[lo_i : i + 1].max() for i, lo_i in enumerate(lo)]
    assert range_extreme(a, lo, True).tolist() == want
    assert range_extreme(a, lo, False).tolist() == [a[j : i + 1].min() for i, j in enumerate(lo)]


def test_empty_history_gives_an_empty_frame() -> None:
    df = compute_batch_fast(default_catalog(), [])
    assert df.height == 0 and df.columns[0] == "event_id"


def test_in_order_history_needs_no_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-order streams below the set caps are computed by columns alone (the fast path)."""
    import riskline.features.fastbatch as fastbatch

    def refuse(*args: object) -> None:
        raise AssertionError("an entity was replayed")

    monkeypatch.setattr(fastbatch, "_replay", refuse)
    events = generate_history(800, seed=4, n_accounts=50, disorder=0.0)
    events.sort(key=lambda e: e.occurred_at)  # the generator registers merchants out of order
    df = compute_batch_fast(default_catalog(), events)
    assert df.height == 800
    assert df["account.spend_30d"].drop_nulls().max() > 0
