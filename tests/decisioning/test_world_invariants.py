"""Invariants over a whole simulated world decided by the default engine."""

from __future__ import annotations

from pathlib import Path

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.credit import LineStatus
from riskline.decisioning import Outcome
from riskline.events import parse_event
from riskline.runtime import build_runtime
from riskline.sim import WorldConfig, iter_events
from tests.conftest import SECRET


def test_every_non_approve_decision_explains_itself(tmp_path: Path, clock: FixedClock) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'w.db'}", pii_secret=SECRET)
    rt = build_runtime(settings, clock=clock)
    try:
        events = [
            parse_event(w, rt.hasher)
            for w in iter_events(WorldConfig.small(persons=200, days=8, seed=3))
        ]
        decisions = []
        for i in range(0, len(events), 256):
            decisions.extend(rt.engine.process_batch(events[i : i + 256]).decisions)
        flagged = [d for d in decisions if d.outcome is not Outcome.APPROVE]
        assert flagged, "the world should trigger some non-approve decisions"
        for d in flagged:
            assert d.reasons, f"{d.event_id} {d.outcome} has no reason"
            assert all(r.code and r.text for r in d.reasons)
        frozen = rt.store.lines_by_status(LineStatus.FROZEN, limit=10_000)
        for line in frozen:
            changes = [
                c for c in rt.store.line_history(line.line_id) if c.to_status is LineStatus.FROZEN
            ]
            assert changes[-1].reasons, f"{line.line_id} frozen without a reason"
    finally:
        rt.close()
