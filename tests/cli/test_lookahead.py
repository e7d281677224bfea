"""Deciding ahead in batches gives exactly the decisions of deciding one by one."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.decisioning import RiskView, risk_view
from riskline.errors import InvalidInput
from riskline.events import parse_event
from riskline.lookahead import LookaheadDecider
from riskline.runtime import build_runtime
from riskline.sim import WorldConfig, iter_events
from tests.conftest import SECRET


def _run(
    tmp_path: Path, clock: FixedClock, wires: list[dict[str, object]], batched: bool
) -> list[RiskView]:
    name = "batched" if batched else "single"
    settings = Settings(database_url=f"sqlite:///{tmp_path / name}.db", pii_secret=SECRET)
    rt = build_runtime(settings, clock=clock)
    try:
        if batched:
            ahead = LookaheadDecider(rt.engine.process_batch, rt.hasher, iter(wires), batch=64)
            return [ahead(w) for w in wires]
        return [risk_view(rt.engine.process(parse_event(w, rt.hasher))) for w in wires]
    finally:
        rt.close()


def test_lookahead_equals_one_by_one(tmp_path: Path, clock: FixedClock) -> None:
    wires = list(iter_events(WorldConfig.small(persons=200, days=6, seed=5)))
    batched = _run(tmp_path, clock, wires, batched=True)
    single = _run(tmp_path, clock, wires, batched=False)
    assert len(batched) == len(wires)
    assert batched == single
    assert any(v.outcome != "approve" for v in batched)


def test_out_of_order_request_is_refused(tmp_path: Path, clock: FixedClock) -> None:
    wires = list(iter_events(WorldConfig.small(persons=200, days=6, seed=2)))[:10]
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'c'}.db", pii_secret=SECRET)
    rt = build_runtime(settings, clock=clock)
    try:
        ahead = LookaheadDecider(rt.engine.process_batch, rt.hasher, iter(wires), batch=4)
        with pytest.raises(InvalidInput, match="not the next event"):
            ahead(wires[7])
    finally:
        rt.close()
