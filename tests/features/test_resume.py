"""Resuming from a feature snapshot gives the values of a full replay, or refuses clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskline.bench.synth import generate_history
from riskline.errors import Conflict
from riskline.events.types import Event
from riskline.features import OnlineFeatures, ResumableFeatures, default_catalog

from .reference import diff


def _straight(events: list[Event]) -> list[dict[str, float]]:
    online = OnlineFeatures(default_catalog())
    return [dict(online.process(e)) for e in events]


def test_resumed_state_continues_exactly(tmp_path: Path) -> None:
    events = generate_history(600, seed=9, n_accounts=50, disorder=0.1)
    want = _straight(events)
    first = ResumableFeatures(default_catalog(), tmp_path / "f.json")
    for e in events[:400]:
        first.process(e)
    assert first.snapshot().events == 400
    second = ResumableFeatures(default_catalog(), tmp_path / "f.json")
    second.reset()  # what the engine does before replaying the ledger
    replayed = [second.process(e) for e in events[:400]]
    assert all(not r for r in replayed)  # covered by the snapshot: skipped
    second.check_resumed()
    for e, w in zip(events[400:], want[400:], strict=True):
        assert diff(w, dict(second.process(e))) == {}, e.event_id
    straight = OnlineFeatures(default_catalog())
    for e in events:
        straight.process(e)
    assert second.online_.watermark == straight.watermark


def test_snapshot_of_another_ledger_is_detected_and_discarded(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    other = ResumableFeatures(default_catalog(), path)
    for e in generate_history(300, seed=1)[:250]:
        other.process(e)
    other.snapshot()
    events = generate_history(300, seed=2, n_accounts=40)
    for i, e in enumerate(events):
        object.__setattr__(e, "event_id", f"x{i}")  # same count, other ids
    feats = ResumableFeatures(default_catalog(), path)
    feats.reset()
    for e in events[:249]:
        feats.process(e)
    with pytest.raises(Conflict, match="ends with event"):
        feats.process(events[249])  # the 250th ledger event is not the snapshot's last one
    feats.discard_snapshot()
    assert not path.exists()
    want = _straight(events)
    for e, w in zip(events, want, strict=True):
        assert diff(w, dict(feats.process(e))) == {}


def test_a_ledger_shorter_than_the_snapshot_is_refused(tmp_path: Path) -> None:
    events = generate_history(200, seed=5)
    feats = ResumableFeatures(default_catalog(), tmp_path / "f.json")
    for e in events:
        feats.process(e)
    feats.snapshot()
    again = ResumableFeatures(default_catalog(), tmp_path / "f.json")
    again.reset()
    for e in events[:150]:
        again.process(e)
    with pytest.raises(Conflict, match="50 more events"):
        again.check_resumed()
    with pytest.raises(Conflict, match="while the replay"):
        again.snapshot()


def test_unreadable_snapshot_means_full_replay(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text("{broken")
    events = generate_history(150, seed=6)
    feats = ResumableFeatures(default_catalog(), path)
    feats.reset()
    assert feats.resumed_from is None
    want = _straight(events)
    for e, w in zip(events, want, strict=True):
        assert diff(w, dict(feats.process(e))) == {}
    feats.check_resumed()
