"""The write-behind store decides exactly as the plain store and stores the same rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.decisioning import RiskView
from riskline.errors import Unavailable
from riskline.lookahead import LookaheadDecider
from riskline.runtime import build_runtime
from riskline.sim import WorldConfig, iter_events
from riskline.writebehind import WriteBehindStore
from tests.conftest import SECRET

_ROWS = {
    "events": "event_id, type, subject, occurred_at, fingerprint, decision_id, payload",
    "decisions": "decision_id, event_id, event_type, subject, outcome, occurred_at, body",
    "credit_lines": "*",
    "line_history": "*",
    "accounts": "*",
}


def _run(
    url: str, clock: FixedClock, wires: list[dict[str, object]], behind: bool
) -> list[RiskView]:
    rt = build_runtime(Settings(database_url=url, pii_secret=SECRET), clock=clock)
    writer = WriteBehindStore(rt.store, url) if behind else None
    if writer is not None:
        rt.engine.store = writer
    try:
        ahead = LookaheadDecider(rt.engine.process_batch, rt.hasher, iter(wires), batch=32)
        views = [ahead(w) for w in wires]
        # a replayed batch reads its stored decisions back (after the writer caught up)
        again = rt.engine.process_batch([next(iter(rt.engine.store.iter_events()))])
        assert again.replayed == (True,)
        return views
    finally:
        if writer is not None:
            writer.close()
        rt.close()


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        return {
            t: sorted(conn.execute(f"SELECT {c} FROM {t}").fetchall()) for t, c in _ROWS.items()
        }


def test_write_behind_decides_and_stores_like_the_plain_store(
    tmp_path: Path, clock: FixedClock
) -> None:
    wires = list(iter_events(WorldConfig.small(persons=200, days=8, seed=7)))
    plain = _run(f"sqlite:///{tmp_path / 'plain.db'}", clock, wires, behind=False)
    behind = _run(f"sqlite:///{tmp_path / 'behind.db'}", clock, wires, behind=True)
    assert behind == plain
    assert any(v.outcome != "approve" for v in plain)
    stored = _rows(tmp_path / "behind.db")
    assert stored == _rows(tmp_path / "plain.db")
    assert len(stored["events"]) == len(wires) and stored["credit_lines"]


def test_a_failed_write_is_reported_at_the_next_call(tmp_path: Path, clock: FixedClock) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    rt = build_runtime(Settings(database_url=url, pii_secret=SECRET), clock=clock)
    wires = list(iter_events(WorldConfig.small(persons=200, days=6, seed=2)))[:40]
    writer = WriteBehindStore(rt.store, url)
    rt.engine.store = writer
    try:
        ahead = LookaheadDecider(rt.engine.process_batch, rt.hasher, iter(wires), batch=20)
        ahead(wires[0])
        writer.flush()
        with sqlite3.connect(tmp_path / "x.db") as conn:
            conn.execute("DROP TABLE decisions")

        def decide_the_rest() -> None:
            for w in wires[20:]:
                ahead(w)
            writer.flush()

        with pytest.raises(Unavailable, match="writer failed"):
            decide_the_rest()
    finally:
        writer.close()
        rt.close()
