"""A released step-up event is read, not counted again, by every feature path alike.

The release re-submits a held payment or drawdown (same payload, a derived id, a later time,
``step_up`` set). Its original was counted when it arrived; counting the release too would make
one drawdown look like two to every velocity rule.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import timedelta
from pathlib import Path

import polars as pl

from riskline.bench.naive_features import NaiveSqlFeatures
from riskline.bench.synth import generate_history
from riskline.events.types import Event
from riskline.features import OnlineFeatures, default_catalog
from riskline.features.batch import compute_batch, compute_batch_replay
from riskline.features.columnar import compute_batch_columns, write_columns
from riskline.features.stores import MemoryStore

from .reference import diff
from .test_fused import JsonStore

HELD = {"payment", "loan_drawdown", "loan_application"}


def _release(e: Event, after: timedelta = timedelta(minutes=3)) -> Event:
    return dataclasses.replace(
        e, event_id=f"{e.event_id}:su", occurred_at=e.occurred_at + after, step_up="ch"
    )


def _with_releases(events: list[Event], every: int) -> list[Event]:
    """Every ``every``-th payment, drawdown or application is followed by its release."""
    out: list[Event] = []
    for i, e in enumerate(events):
        out.append(e)
        if e.type in HELD and i % every == 0:
            out.append(_release(e))
    return out


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == b or (math.isnan(a) and math.isnan(b))


def test_a_release_changes_nothing_the_next_event_reads() -> None:
    events = generate_history(600, seed=3, n_accounts=15, disorder=0.0)
    i = max(k for k, e in enumerate(events[:-50]) if e.type == "payment")
    held, nxt = events[i], dataclasses.replace(events[i], event_id="next")
    nxt = dataclasses.replace(nxt, occurred_at=held.occurred_at + timedelta(minutes=10))
    for store in (MemoryStore, JsonStore):  # the fused path and the shared-store path
        with_release = OnlineFeatures(default_catalog(), store(), sweep_every=0)
        without = OnlineFeatures(default_catalog(), store(), sweep_every=0)
        for e in events[: i + 1]:
            with_release.process(e)
            without.process(e)
        at_release = dict(with_release.process(_release(held)))
        assert (
            at_release["account.payments_1d"]
            == without.values(
                "account",
                held.account_id,
                held.occurred_at,  # type: ignore[attr-defined]
            )["account.payments_1d"]
        )
        a, b = with_release.process(nxt), without.process(nxt)
        assert a.keys() == b.keys()
        assert {k for k in a if not _same(a[k], b[k])} == set()


def test_every_path_agrees_on_a_history_with_releases(tmp_path: Path) -> None:
    events = _with_releases(generate_history(1200, seed=9, n_accounts=40, disorder=0.08), 3)
    assert sum(e.step_up is not None for e in events) >= 40
    cat = default_catalog()
    online = OnlineFeatures(cat, sweep_every=0)
    shared = OnlineFeatures(cat, JsonStore(), sweep_every=0)
    rows = [dict(online.process(e)) for e in events]
    for e, want in zip(events, rows, strict=True):  # fused == shared-store path
        got = shared.process(e)
        assert got.keys() == want.keys() and all(_same(got[k], want[k]) for k in got), e.event_id
    write_columns(cat, events, tmp_path / "events.parquet")
    frames = {
        "batch": compute_batch(cat, events),
        "replay": compute_batch_replay(cat, events),
        "parquet": compute_batch_columns(cat, tmp_path / "events.parquet"),
    }
    for name, df in frames.items():
        assert df["event_id"].to_list() == [e.event_id for e in events], name
        for feature in cat.schema():
            col = df[feature].to_list()
            bad = [
                (events[k].event_id, rows[k].get(feature), col[k])
                for k in range(len(events))
                if not _same(rows[k].get(feature), col[k])
            ]
            assert bad == [], (name, feature, bad[:3])
    naive = NaiveSqlFeatures(cat)  # decayed sums: equal up to rounding, as in test_parity
    for e, want in zip(events[:300], rows, strict=False):
        assert diff(want, naive.process(e)) == {}, e.event_id


def test_a_release_is_one_more_row_that_counts_nothing_in_the_batch() -> None:
    events = generate_history(300, seed=4, n_accounts=10, disorder=0.0)
    with_releases = _with_releases(events, 2)
    plain = compute_batch(default_catalog(), events)
    both = compute_batch(default_catalog(), with_releases)
    keep = [e.step_up is None for e in with_releases]
    originals = both.filter(pl.Series(keep))
    assert originals.equals(plain)  # the other rows are exactly as without any release
