"""A crash restart decides later events as an uninterrupted run does (issue 22, defect 7).

A crash is a process that never closes: the next runtime on the same database starts from the
ledger alone (no snapshot, no shutdown work). Graph flags set by decisions and analysts are not
events; the restart must set them again from the durable record, where they were first set.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
from fastapi.testclient import TestClient

from riskline.api import create_app
from riskline.cases import ConfirmFraud, Reviewer, ReviewerRole
from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.decisioning import ActionKind, Decision, Outcome
from riskline.errors import Unavailable
from riskline.events import Event, parse_event
from riskline.runtime import Runtime, build_runtime
from riskline.sim import WorldConfig, iter_events
from tests.cases.helpers import decide, farm
from tests.conftest import SECRET
from tests.factories import T0, wire
from tests.hardening.conftest import auth
from tests.identity.conftest import takeover_events


def _runtime(path: Path, clock: FixedClock, snapshot: bool = False) -> Runtime:
    settings = Settings(
        database_url=f"sqlite:///{path}",
        pii_secret=SECRET,
        feature_snapshot=path.with_suffix(".snap") if snapshot else None,
    )
    return build_runtime(settings, clock=clock)


def _decide(rt: Runtime, events: Sequence[Event]) -> list[Decision]:
    out: list[Decision] = []
    for i in range(0, len(events), 256):
        out.extend(rt.ingestor.process(events[i : i + 256]).decisions)
    return out


def _after_crash(
    path: Path,
    clock: FixedClock,
    before: Sequence[Event],
    after: Sequence[Event],
    snapshot: bool = False,
) -> tuple[list[Decision], dict[Any, Any]]:
    """Decide ``before``, crash (the runtime is never closed), restart on the same database,
    decide ``after``; the later decisions and the graph flags the restart rebuilt.

    With ``snapshot``, a graceful stop halfway through ``before`` writes a feature snapshot:
    the restart resumes features from it and replays the rest of the ledger.
    """
    if snapshot:
        half = len(before) // 2
        stopped = _runtime(path, clock, snapshot)
        _decide(stopped, before[:half])
        stopped.close()
        before = before[half:]
    crashed = _runtime(path, clock, snapshot)
    try:
        _decide(crashed, before)
        restarted = _runtime(path, clock, snapshot)  # the ledger (and snapshot), no close
        try:
            assert (restarted.resumable is not None) is snapshot
            if snapshot:
                assert restarted.resumable.resumed_from.events == half
            flags = dict(restarted.engine.graph.risk.graph.flags)  # type: ignore[union-attr]
            return _decide(restarted, after), flags
        finally:
            restarted.close()
    finally:
        crashed.ingestor.close()  # only the writer thread: nothing a graceful stop would add


NIGHT = T0.replace(hour=2) + timedelta(days=1)


def _night_maxout() -> dict[str, Any]:
    """a1 spends 4,800 of its 5,000 revolving line in one round amount at 02:00: the default
    policy reviews it as cash-out and freezes a1's lines (so p1 is flagged in the graph)."""
    return wire("payment", at=NIGHT, amount="4800.00")


def _features(decisions: Sequence[Decision]) -> list[dict[str, object]]:
    """Feature values with NaN spelled out (NaN never equals itself)."""
    return [{k: "nan" if math.isnan(v) else v for k, v in d.features.items()} for d in decisions]


def _outcomes(decisions: Sequence[Decision]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(d.event_id, d.outcome.value, d.reason_codes) for d in decisions]


def test_a_freeze_flags_the_person_again_after_a_crash(tmp_path: Path, clock: FixedClock) -> None:
    opened = _runtime(tmp_path / "parse.db", clock)
    try:
        before = [
            parse_event(w, opened.hasher)
            for w in (
                wire("account_opened"),
                wire("loan_application", product="cash_loan", amount="2000.00"),
                _night_maxout(),  # freezes a1's lines: p1 flagged
            )
        ]
        later = NIGHT + timedelta(minutes=5)
        after = [
            parse_event(w, opened.hasher)
            for w in (
                wire("account_opened", at=later, account_id="a2", device_id="d2", ip="10.0.0.2"),
                wire("loan_application", at=later + timedelta(minutes=1), account_id="a2"),
            )
        ]
    finally:
        opened.close()
    whole = _runtime(tmp_path / "whole.db", clock)
    try:
        want = _decide(whole, [*before, *after])[len(before) :]
    finally:
        whole.close()
    got, flags = _after_crash(tmp_path / "crash.db", clock, before, after)
    assert flags == {("person", "p1"): {"line_frozen": "line_frozen"}}
    assert [d.reason_codes for d in want] == [("LINKED_TO_FRAUD",), ("LINKED_TO_FRAUD",)]
    assert _outcomes(got) == _outcomes(want)


def test_a_case_approved_with_a_blocklist_flags_the_same_entities_after_a_replay(
    tmp_path: Path, clock: FixedClock
) -> None:
    rt = _runtime(tmp_path / "case.db", clock)
    try:
        decide(rt, *farm())
        (case,) = rt.cases.queue()
        ann, sam = Reviewer("ann", ReviewerRole.ANALYST), Reviewer("sam", ReviewerRole.SUPERVISOR)
        rt.cases.act(case.case_id, ConfirmFraud("one device, six people", blocklist=True), ann)
        rt.cases.approve(case.case_id, sam, "agreed")
        live = dict(rt.engine.graph.risk.graph.flags)  # type: ignore[union-attr]
        assert live[("device", "dX")] == {f"blocklist:case:{case.case_id}": ANY}
        rt.engine.rebuild()  # what a restart does
        assert rt.engine.graph.risk.graph.flags == live  # type: ignore[union-attr]
    finally:
        rt.close()


def _other(n: int, device: str = "") -> dict[str, str]:
    """Another person's phone, ID number and IP, and a device (their own unless given)."""
    return {
        "phone": f"+86 13{n} 0013 8000",  # another block of numbers (no number-block farm)
        "id_number": f"11010519491231{n:03d}X",
        "device_id": device or f"d{n}",
        "ip": f"10.0.0.{n}",
    }


def _block(rt: Runtime, value: str, kind: str = "account") -> None:
    """An analyst puts an entity on the block list through the API (which flags the graph)."""
    token = rt.keys.create("analyst-key", "analyst")[1]
    body = {"kind": kind, "value": value, "source": "analyst"}
    r = TestClient(create_app(rt)).post("/v1/lists/block/entries", json=body, headers=auth(token))
    assert r.status_code == 200, r.text


def test_a_block_list_entry_flags_the_graph_again_after_a_crash(
    tmp_path: Path, clock: FixedClock
) -> None:
    opened = _runtime(tmp_path / "parse.db", clock)
    try:
        first, second, *after = [
            parse_event(w, opened.hasher)
            for w in (
                wire("account_opened"),
                wire("account_opened", account_id="a3", person_id="p3", **_other(3)),
                wire("account_opened", account_id="a2", person_id="p2", **_other(2, "d1")),
                wire("loan_application", account_id="a2"),
            )
        ]
    finally:
        opened.close()
    runs: dict[str, list[Decision]] = {}
    flags: dict[str, dict[Any, Any]] = {}
    for name in ("whole", "crash"):
        rt = _runtime(tmp_path / f"{name}.db", clock)
        try:
            _decide(rt, [first])
            # a1's device, which a2 opens on (one hop): flagged between two commits
            _block(rt, "d1", kind="device")
            _decide(rt, [second])
            if name == "crash":
                rt.ingestor.close()  # the crash: the restart sees only the database
                rt = _runtime(tmp_path / f"{name}.db", clock)
            flags[name] = dict(rt.engine.graph.risk.graph.flags)  # type: ignore[union-attr]
            runs[name] = _decide(rt, after)
        finally:
            rt.close()
    assert flags["crash"] == flags["whole"] == {("device", "d1"): {"blocklist:analyst": ANY}}
    assert [d.reason_codes for d in runs["whole"]] == [("LINKED_TO_FRAUD",)] * 2
    assert _outcomes(runs["crash"]) == _outcomes(runs["whole"])


class _DatabaseAway:
    """The engine's store while the database is away, as a stream worker sees it mid-run: the
    events still replay (from the stream), the record of flags cannot be read."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def iter_events(self) -> Iterator[Event]:
        return iter(list(self.store.iter_events()))

    def freezing_decisions(self) -> list[Decision]:
        raise Unavailable("database error: connection refused")

    def block_additions(self) -> list[tuple[str | None, str, str, str]]:
        raise Unavailable("database error: connection refused")


def test_a_rebuild_without_the_database_sets_the_flags_last_read(
    tmp_path: Path, clock: FixedClock
) -> None:
    """A stream worker rebuilds from the stream alone while the database is away: it neither
    fails nor loses the flags it read at its last rebuild."""
    rt = _runtime(tmp_path / "away.db", clock)
    try:
        for w in (
            wire("account_opened"),
            wire("loan_application", product="cash_loan", amount="2000.00"),
            _night_maxout(),
        ):
            rt.engine.process(parse_event(w, rt.hasher))
        _block(rt, "a1")
        rt.engine.rebuild()  # reads the record: the freeze's flag and the block entry's
        store = rt.engine.store
        rt.engine.store = _DatabaseAway(store)  # type: ignore[assignment]
        try:
            assert rt.engine.rebuild() == 3
        finally:
            rt.engine.store = store
        assert rt.engine.graph.risk.graph.flags == {  # type: ignore[union-attr]
            ("person", "p1"): {"line_frozen": "line_frozen"},
            ("account", "a1"): {"blocklist:analyst": "blocklist:analyst"},
        }
    finally:
        rt.close()


def test_a_challenge_hold_flags_no_one_after_a_replay(tmp_path: Path, clock: FixedClock) -> None:
    """A challenge's protective hold freezes the line but flags no one: nor does the replay."""
    rt = _runtime(tmp_path / "hold.db", clock)
    try:
        held = [rt.engine.process(parse_event(w, rt.hasher)) for w in takeover_events()][-1]
        assert held.outcome is Outcome.CHALLENGE
        assert any(a.kind is ActionKind.FREEZE and a.applied for a in held.actions)
        assert [d.decision_id for d in rt.store.freezing_decisions()] == [held.decision_id]
        rt.engine.rebuild()  # what a restart does
        assert rt.engine.graph.risk.graph.flags == {}  # type: ignore[union-attr]
    finally:
        rt.close()


@pytest.mark.parametrize("snapshot", [False, True], ids=["ledger", "feature-snapshot"])
def test_a_crash_restart_in_a_simulated_world_changes_no_decision(
    tmp_path: Path, clock: FixedClock, snapshot: bool
) -> None:
    """The measurement: every later decision (outcome, reasons, features) after a crash at 80 %
    of a small world equals the uninterrupted run's; before the fix graph features did not."""
    whole = _runtime(tmp_path / "whole.db", clock)
    try:
        world = WorldConfig.small(persons=300, days=20, seed=3)
        events = [parse_event(w, whole.hasher) for w in iter_events(world)]
        split = len(events) * 4 // 5
        want = _decide(whole, events[:split])
        flags_then = dict(whole.engine.graph.risk.graph.flags)  # type: ignore[union-attr]
        want = _decide(whole, events[split:])
    finally:
        whole.close()
    got, flags = _after_crash(
        tmp_path / "crash.db", clock, events[:split], events[split:], snapshot
    )
    assert flags_then, "the world should freeze someone's line before the crash"
    differ = [(w, g) for w, g in zip(_outcomes(want), _outcomes(got), strict=True) if w != g]
    assert not differ, f"{len(differ)} of {len(want)} later decisions differ: {differ[:3]}"
    assert _features(got) == _features(want)
    assert flags == flags_then
