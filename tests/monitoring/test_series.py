"""The series on hand-made decisions and case outcomes: exact counts, precision, mix, spikes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from riskline.clock import FixedClock
from riskline.monitoring import AlertBook, AlertRules, Fact, Monitor, build_series, evaluate
from tests.monitoring.helpers import Made, label, store

DAY = datetime(2026, 5, 20, tzinfo=UTC)
"""The day watched; the window is the 30 days up to it."""


def _monitor(db: Engine, rules: AlertRules | None = None) -> Monitor:
    clock = FixedClock(DAY + timedelta(hours=23))
    return Monitor(db, clock, rules or AlertRules.default(), AlertBook(db, clock))


def test_hits_precision_and_mix_per_day(db: Engine) -> None:
    d2 = DAY - timedelta(days=2)
    made = store(
        db,
        [
            Made("e1", d2 + timedelta(hours=1), "review", ["VELOCITY"]),
            Made("e2", d2 + timedelta(hours=2), "decline", ["VELOCITY", "BLOCKLIST"], froze=True),
            Made("e3", DAY + timedelta(hours=9), "review", ["VELOCITY"]),
            Made("e4", DAY + timedelta(hours=9, minutes=30), "review", ["VELOCITY"]),
            Made("e5", DAY + timedelta(hours=15), "approve"),
            Made("e6", DAY + timedelta(hours=16), "challenge", ["NEW_DEVICE"]),
            Made("old", DAY - timedelta(days=40), "decline", ["VELOCITY"]),  # outside the window
            Made("late", DAY + timedelta(days=1), "decline", ["VELOCITY"]),  # after the day
        ],
    )
    e1, e2, e3, *_ = made
    when = DAY + timedelta(hours=20)
    label(db, e1, "fraud", when)
    label(db, e2, "legit", when, case_id="c2")
    label(db, e3, "legit", when - timedelta(hours=1), case_id="c3")
    label(db, e3, "fraud", when, case_id="c3")  # decided again on appeal: the newest label wins

    s = _monitor(db).series()

    assert len(s.days) == 30 and s.days[-1] == DAY.date()
    by = {c.code: c for c in s.checks}
    assert [c.code for c in s.checks] == ["VELOCITY", "BLOCKLIST", "NEW_DEVICE"]
    velocity = by["VELOCITY"]
    assert velocity.hits[-3:] == (2, 0, 2) and sum(velocity.hits) == 4
    assert velocity.today == 2 and velocity.hours[9] == 2 and sum(velocity.hours) == 2
    assert (sum(velocity.confirmed), sum(velocity.cleared)) == (2, 1)  # e1, e3 / e2; e4 open
    assert velocity.precision == 2 / 3 and velocity.closed == 3
    assert velocity.precision_on(len(s.days) - 3) == 0.5 and velocity.precision_on(29) == 1.0
    assert by["BLOCKLIST"].precision == 0.0 and by["NEW_DEVICE"].precision is None
    assert s.mix.totals[-3:] == (2, 0, 4)
    assert {o: s.mix.counts[o][-1] for o in s.mix.counts} == {
        "approve": 1,
        "challenge": 1,
        "review": 2,
        "decline": 0,
    }
    assert s.mix.frozen[-3] == 1 and s.mix.freeze_rate_today == 0.0
    assert s.mix.today_share("review") == 0.5


def _fact(i: int, day: date, codes: frozenset[str], outcome: str = "review") -> Fact:
    at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return Fact(f"d{i}", at, outcome, codes, outcome == "decline", {}, {})


def test_spike_rate_and_precision_rules_fire_on_their_thresholds() -> None:
    today = DAY.date()
    facts = []
    for back in range(1, 15):  # 3 hits a day for 14 days: median 3
        facts += [
            _fact(back * 100 + k, today - timedelta(days=back), frozenset({"A"})) for k in range(3)
        ]
    facts += [_fact(9000 + k, today, frozenset({"A"}), "decline") for k in range(25)]
    facts += [_fact(9900 + k, today, frozenset(), "approve") for k in range(75)]
    labels = {f"d{100 + k}": False for k in range(3)}  # A cleared 3 times, confirmed never
    rules = AlertRules.from_mapping(
        {
            "version": 1,
            "rules": [
                {"name": "spike", "kind": "spike", "factor": 3, "min_hits": 20},
                {"name": "declines", "kind": "rate", "of": "decline", "above": 0.2,
                 "min_decisions": 100},
                {"name": "freezes", "kind": "rate", "of": "freeze", "above": 0.5,
                 "min_decisions": 100},
                {"name": "precision", "kind": "precision", "below": 0.5, "min_closed": 3},
                {"name": "strict", "kind": "precision", "below": 0.5, "min_closed": 4},
            ],
        }
    )  # fmt: skip
    s = build_series(facts, labels, as_of=DAY + timedelta(hours=23), days=30, references={})
    alerts = {(a.rule, a.subject): a for a in evaluate(s, rules)}
    assert set(alerts) == {("spike", "A"), ("declines", "decline"), ("precision", "A")}
    spike = alerts[("spike", "A")]
    assert (spike.value, spike.threshold, spike.period) == (25.0, 9.0, "2026-05-20")
    assert alerts[("declines", "decline")].value == 0.25
    assert alerts[("precision", "A")].value == 0.0
    assert spike.alert_id == "spike:A:2026-05-20"

    quiet = [f for f in facts if not (f.at.date() == today and "A" in f.codes)][:-60]
    quiet += [_fact(9000 + k, today, frozenset({"A"})) for k in range(9)]  # 9 = 3 x median
    s = build_series(quiet, {}, as_of=DAY + timedelta(hours=23), days=30, references={})
    assert evaluate(s, rules) == []


def test_hourly_spike_compares_the_same_hour_of_the_days_before() -> None:
    today = DAY.date()

    def at(day: date, hour: int, i: int) -> Fact:
        moment = datetime(day.year, day.month, day.day, hour, i % 60, tzinfo=UTC)
        return Fact(f"d{day}{hour}{i}", moment, "review", frozenset({"A"}), False, {}, {})

    facts = []
    for back in range(1, 15):
        day = today - timedelta(days=back)
        facts += [at(day, 10, i) for i in range(2)]  # 2 hits at 10:00 on each day before
        facts += [at(day, 3, i) for i in range(30)]  # busy nights: not the same hour
    facts += [at(today, 10, i) for i in range(7)]
    rule = {"name": "hourly", "kind": "spike", "factor": 3, "min_hits": 5, "per": "hour"}
    rules = AlertRules.from_mapping({"version": 1, "rules": [rule]})
    s = build_series(facts, {}, as_of=DAY + timedelta(hours=10, minutes=59), days=30, references={})
    check = s.checks[0]
    assert check.hour_spike(10) == (7, 2.0) and check.hours[10] == 7 and sum(check.hourly) == 455
    [alert] = evaluate(s, rules)
    assert (alert.alert_id, alert.value, alert.threshold) == ("hourly:A:2026-05-20T10", 7.0, 6.0)
    six = [f for f in facts if not (f.at.date() == today and f.decision_id.endswith("6"))]
    s = build_series(six, {}, as_of=DAY + timedelta(hours=10, minutes=59), days=30, references={})
    assert evaluate(s, rules) == []  # 6 = 3 x the median: not above it
