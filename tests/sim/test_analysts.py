"""Simulated analysts and matured repayment outcomes: delay, capacity, error rates, timing,
and no ground truth beyond the verdicts on the cases the engine opened."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from riskline.errors import InvalidInput
from riskline.known_labels import KnownLabelRules, known_starts, read_known
from riskline.sim import ReviewCase, load_world
from riskline.sim.analysts import (
    AnalystTeam,
    fraud_since,
    repayment_outcomes,
    work_queue,
    write_known_labels,
)
from riskline.training import world_frame

T0 = datetime(2026, 1, 1, 8, tzinfo=UTC)
LATE = T0 + timedelta(days=1000)


def _cases(n: int, spread_days: float = 100.0, seed: int = 5) -> list[ReviewCase]:
    rng = np.random.default_rng(seed)
    return [
        ReviewCase(f"p{i}", T0 + timedelta(days=float(rng.uniform(0, spread_days))))
        for i in range(n)
    ]


def test_delay_is_within_bounds_and_uniform() -> None:
    team = AnalystTeam(cases_per_day=1000, min_days=1, max_days=5, seed=3)
    verdicts = work_queue(_cases(3000), {}, team, as_of=LATE)
    days = np.array([(v.known_at - v.opened_at).total_seconds() / 86400 for v in verdicts])
    assert len(verdicts) == 3000
    assert days.min() >= 1.0 and days.max() <= 5.0
    assert abs(days.mean() - 3.0) < 0.1  # uniform on [1, 5]: sd of the mean 0.02
    assert abs(np.mean(days < 2.0) - 0.25) < 0.03


def test_capacity_per_day_is_respected_and_pushes_cases_later() -> None:
    team = AnalystTeam(cases_per_day=3, min_days=1, max_days=2, seed=1)
    burst = [ReviewCase(f"p{i}", T0) for i in range(30)]
    verdicts = work_queue(burst, {}, team, as_of=LATE)
    per_day = Counter(v.known_at.date() for v in verdicts)
    assert len(verdicts) == 30
    # ready on Jan 2 or 3, closed 3 a day: every day from Jan 2 to Jan 11 full, none more
    assert set(per_day.values()) == {3}
    assert min(per_day) == T0.date() + timedelta(days=1)
    assert max(per_day) == T0.date() + timedelta(days=10)
    assert all(v.known_at >= v.opened_at + timedelta(days=1) for v in verdicts)


def test_error_rates_match_the_configuration() -> None:
    team = AnalystTeam(cases_per_day=10_000, miss_rate=0.1, false_confirm_rate=0.05, seed=11)
    cases = _cases(8000)
    truth = {c.party: 0.0 for c in cases[:4000]}  # fraud from the epoch: visible to analysts
    verdicts = {v.party: v.fraud for v in work_queue(cases, truth, team, as_of=LATE)}
    missed = np.mean([not verdicts[c.party] for c in cases[:4000]])
    wrongly_confirmed = np.mean([verdicts[c.party] for c in cases[4000:]])
    assert abs(missed - 0.1) < 0.015  # 3 binomial sd
    assert abs(wrongly_confirmed - 0.05) < 0.011


def test_same_seed_same_verdicts_other_seed_other_ones() -> None:
    cases, truth = _cases(500), {f"p{i}": 0.0 for i in range(250)}
    team = AnalystTeam(miss_rate=0.3, false_confirm_rate=0.3, seed=7)
    first = work_queue(cases, truth, team, as_of=LATE)
    assert first == work_queue(cases, truth, team, as_of=LATE)
    other = AnalystTeam(miss_rate=0.3, false_confirm_rate=0.3, seed=8)
    assert first != work_queue(cases, truth, other, as_of=LATE)


def test_nothing_is_known_before_its_case_closes() -> None:
    team = AnalystTeam(cases_per_day=2, min_days=1, max_days=5, seed=2)
    cases = _cases(200, spread_days=30)
    as_of = T0 + timedelta(days=20)
    verdicts = work_queue(cases, {c.party: 0.0 for c in cases}, team, as_of=as_of)
    assert 0 < len(verdicts) < len(cases)
    assert all(v.opened_at + timedelta(days=1) <= v.known_at <= as_of for v in verdicts)
    # the same queue seen later: the earlier verdicts are unchanged, more are known
    later = work_queue(cases, {c.party: 0.0 for c in cases}, team, as_of=LATE)
    assert set(verdicts) <= set(later) and len(later) == len(cases)
    records = [v.to_dict() for v in later]
    cut = known_starts(records, KnownLabelRules(as_of=as_of))
    assert cut.confirmed + cut.cleared == len(verdicts)


def test_fraud_that_has_not_begun_when_the_case_closes_is_not_seen() -> None:
    team = AnalystTeam(min_days=1, max_days=1, miss_rate=0, false_confirm_rate=0)
    case = ReviewCase("p1", T0)
    begins_later = {"p1": (T0 + timedelta(days=30)).timestamp()}
    begun = {"p1": T0.timestamp()}
    assert not work_queue([case], begins_later, team, as_of=LATE)[0].fraud
    assert work_queue([case], begun, team, as_of=LATE)[0].fraud


def test_bad_team_settings_are_refused() -> None:
    with pytest.raises(InvalidInput, match="min days"):
        AnalystTeam(min_days=5, max_days=1)
    with pytest.raises(InvalidInput, match="miss rate"):
        AnalystTeam(miss_rate=1.5)
    with pytest.raises(InvalidInput, match="cases per day"):
        AnalystTeam(cases_per_day=0)


def _bill(kind: str, when: datetime, account: str, due: str, **kw: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "occurred_at": when.isoformat(),
        "account_id": account,
        "product": "revolving",
        "due_date": due,
        **kw,
    }


def test_m1_and_m3_mature_only_when_due() -> None:
    due = datetime(2026, 1, 10, tzinfo=UTC)
    events = [
        *(
            _bill("bill_overdue", due + timedelta(days=s, hours=7), a, "2026-01-10", days_overdue=s)
            for a in ("a1", "a2", "a3")
            for s in (1, 7, 30)
        ),
        _bill("bill_overdue", due + timedelta(days=1, hours=7), "a4", "2026-01-10", days_overdue=1),
        _bill("repayment", due + timedelta(days=40), "a2", "2026-01-10", amount=100),
        _bill("repayment", due + timedelta(days=120), "a3", "2026-01-10", amount=100),
    ]
    before_m1 = repayment_outcomes(events, as_of=due + timedelta(days=29))
    assert before_m1 == []
    at_60 = repayment_outcomes(events, as_of=due + timedelta(days=60))
    assert sorted(r.account for r in at_60) == ["a1", "a2", "a3"]
    assert all(r.status == "M1" and r.known_at == due + timedelta(days=30, hours=7) for r in at_60)
    at_200 = repayment_outcomes(events, as_of=due + timedelta(days=200))
    m3 = [r for r in at_200 if r.status == "M3"]
    # a2 repaid before 90 days; a3 only after: M3 like a1, known at the due date + 90 days
    assert sorted(r.account for r in m3) == ["a1", "a3"]
    assert {r.known_at for r in m3} == {due + timedelta(days=90)}


def test_known_starts_use_lookback_and_overdue_choice() -> None:
    records = [
        {
            "kind": "case",
            "party": "p1",
            "fraud": True,
            "opened_at": "2026-02-01T00:00:00+00:00",
            "known_at": "2026-02-03T00:00:00+00:00",
        },
        {
            "kind": "case",
            "party": "p2",
            "fraud": False,
            "opened_at": "2026-02-01T00:00:00+00:00",
            "known_at": "2026-02-03T00:00:00+00:00",
        },
        {
            "kind": "repayment",
            "account": "a9",
            "product": "revolving",
            "due_date": "2026-03-01",
            "status": "M1",
            "known_at": "2026-03-31T07:00:00+00:00",
        },
    ]
    m1 = known_starts(records, KnownLabelRules(lookback_days=10, overdue="m1"))
    assert m1.persons == {"p1": datetime(2026, 1, 22, tzinfo=UTC).timestamp()}
    assert m1.accounts == {"a9": datetime(2026, 1, 30, tzinfo=UTC).timestamp()}
    assert m1.leave_out == {"a9": datetime(2026, 3, 1, tzinfo=UTC).timestamp()}
    assert (m1.confirmed, m1.cleared, m1.overdue_accounts) == (1, 1, 1)
    assert known_starts(records, KnownLabelRules(overdue="m3")).accounts == {}
    with pytest.raises(InvalidInput, match="overdue"):
        KnownLabelRules(overdue="m2")


def test_a_bad_labels_file_is_refused_by_line(tmp_path: Path) -> None:
    path = tmp_path / "known.jsonl"
    path.write_text('{"kind": "case"}\n{"kind": "chargeback"}\n')
    with pytest.raises(InvalidInput, match="line 2"):
        list(read_known(path))


def test_no_ground_truth_leaks_for_parties_never_reviewed(world_dir: Path, tmp_path: Path) -> None:
    loaded = load_world(world_dir)
    truth = fraud_since(loaded.labels)
    persons = {e["person_id"] for e in loaded.events() if e["type"] == "account_opened"}
    fraud = sorted(p for p in truth if p in persons)
    honest = sorted(persons - set(truth))
    start = datetime.fromisoformat(next(iter(loaded.events()))["occurred_at"])
    # the engine reviewed three fraud persons a day into their fraud, and five honest ones
    reviewed = [*fraud[:3], *honest[:5]]
    cases = [
        ReviewCase(p, datetime.fromtimestamp(truth[p], UTC) + timedelta(days=1)) for p in fraud[:3]
    ] + [ReviewCase(p, start + timedelta(days=1)) for p in honest[:5]]
    team = AnalystTeam(miss_rate=0, false_confirm_rate=0, min_days=1, max_days=1)
    verdicts = work_queue(cases, {p: truth[p] for p in fraud[:3]}, team, as_of=LATE)
    events = list(loaded.events())
    as_of = datetime.fromisoformat(events[-1]["occurred_at"])
    bills = repayment_outcomes(events, as_of=as_of)
    path = tmp_path / "known.jsonl"
    write_known_labels(path, verdicts, bills)
    records = list(read_known(path))
    assert {r["party"] for r in records if r["kind"] == "case"} == set(reviewed)
    known = known_starts(records, KnownLabelRules(overdue="m1"))
    assert set(known.persons) == set(fraud[:3])
    frame = world_frame(events, None, known.pair(), known.leave_out)
    owner = {e["account_id"]: e["person_id"] for e in events if e["type"] == "account_opened"}
    account_of = {e["event_id"]: e.get("account_id") for e in events}
    positive = {account_of[e] for e in frame.filter(frame["label"] == 1.0)["event_id"]}
    # every positive account is a confirmed person's or one with an M1 bill; none else
    overdue = {b.account for b in bills}
    assert positive, "the confirmed parties' events are labeled"
    assert all(owner.get(a) in known.persons or a in overdue for a in positive)
    # an overdue account's events after its bad due date are left out, not labeled
    for a, cut in known.leave_out.items():
        if owner.get(a) not in known.persons:
            late = frame.filter(pl.col("ts") >= cut)["event_id"]
            assert not any(account_of[e] == a for e in late)
    unreviewed_fraud = set(fraud[3:]) & persons
    leaked = {a for a in positive if owner.get(a) in unreviewed_fraud and a not in overdue}
    assert not leaked


def test_cases_file_round_trip(tmp_path: Path) -> None:
    from riskline.sim.analysts import read_cases

    path = tmp_path / "cases.jsonl"
    case = ReviewCase("p1", T0, ("FUND_CYCLE",))
    path.write_text(json.dumps(case.to_dict()) + "\n")
    assert read_cases(path) == [case]
    path.write_text('{"party": "p1"}\n')
    with pytest.raises(InvalidInput, match="line 1"):
        read_cases(path)
