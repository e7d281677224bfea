"""Harm table, reason-attributed precision, time to detection and PR curves on a world small
enough to score by hand.

Six persons, one account each, two days with payments:

- P1 good: challenged on a drawdown, its cash line held (freeze under the challenge);
- P2 good: a drawdown declined for lack of credit only (a credit decline, not a risk flag);
- P3 household_transfers: reviewed for FUND_CYCLE, line frozen, a review case opened;
- P4 household_transfers + night_owl: declined for MULTI_LENDING, limit cut, a freeze that was
  not applied (no line);
- P5 cashout actor: first fraud payment at day 2 10:00 (100.00 of credit), reviewed and frozen
  for FUND_CYCLE at 16:00 (score.fraud 0.9), a labeled 50.00 drawdown at 20:00 after the freeze;
- P6 farm actor: first fraud payment at day 1 08:00, declined and closed for DEVICE_SHARED at
  12:00.
"""

from __future__ import annotations

from typing import Any

import pytest

from riskline.sim import Labels, evaluate, render_html
from riskline.sim.evaluate import EvaluationReport
from tests.sim.decisions import Action, Decision, Reason

D1, D2 = "2026-01-05", "2026-01-06"
T = {"d1_08": f"{D1}T08:00:00Z", "d1_12": f"{D1}T12:00:00Z", "d2_10": f"{D2}T10:00:00Z"}
T |= {"d2_16": f"{D2}T16:00:00Z", "d2_20": f"{D2}T20:00:00Z"}


def _events() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(1, 7):
        out.append(
            {
                "event_id": f"open{i}",
                "type": "account_opened",
                "occurred_at": f"{D1}T00:00:0{i}Z",
                "account_id": f"A{i}",
                "person_id": f"P{i}",
            }
        )

    def ev(eid: str, kind: str, at: str, account: str) -> None:
        out.append({"event_id": eid, "type": kind, "occurred_at": at, "account_id": account})

    ev("farm1", "payment", T["d1_08"], "A6")
    ev("pay1", "payment", f"{D1}T09:00:00Z", "A1")
    ev("hold1", "loan_drawdown", f"{D1}T10:00:00Z", "A1")
    ev("farm2", "login", T["d1_12"], "A6")
    ev("gate2", "loan_drawdown", f"{D1}T13:00:00Z", "A2")
    ev("cycle3", "transfer", f"{D1}T14:00:00Z", "A3")
    ev("lend4", "loan_application", f"{D1}T15:00:00Z", "A4")
    ev("cash1", "payment", T["d2_10"], "A5")
    ev("cash2", "login", T["d2_16"], "A5")
    ev("cash3", "loan_drawdown", T["d2_20"], "A5")
    ev("pay2", "payment", f"{D2}T21:00:00Z", "A2")
    return sorted(out, key=lambda e: e["occurred_at"])


def _labels() -> Labels:
    day1, day2 = 1767571200, 1767657600  # 2026-01-05 and 2026-01-06 00:00 UTC
    rings = [
        {
            "level": "ring",
            "id": "R1",
            "typology": "cashout",
            "start_ts": day2,
            "end_ts": day2 + 86399,
        },
        {"level": "ring", "id": "R2", "typology": "farm", "start_ts": day1, "end_ts": day2 + 86399},
    ]
    actors = [
        {"level": "account", "id": "A5", "person_id": "P5", "ring_id": "R1", "typology": "cashout"},
        {"level": "account", "id": "A6", "person_id": "P6", "ring_id": "R2", "typology": "farm"},
    ]
    for a in actors:  # a label's start: earlier than the first fraud event, which must win
        a["start_ts"] = day1
    events = [
        {"level": "event", "id": "farm1", "typology": "farm", "ring_id": "R2"},
        {"level": "event", "id": "cash1", "typology": "cashout", "credit_cents": 10000},
        {"level": "event", "id": "cash3", "typology": "cashout", "credit_cents": 5000},
    ]
    hard = [
        {"level": "hard_negative", "id": "P3", "kinds": ["household_transfers"]},
        {"level": "hard_negative", "id": "P4", "kinds": ["household_transfers", "night_owl"]},
    ]
    return Labels.from_records([*rings, *actors, *events, *hard])


def _decisions() -> dict[str, Decision]:
    r = Reason
    return {
        "hold1": Decision(
            "hold1",
            "challenge",
            "A1",
            (Action("challenge"), Action("freeze", "cash_loan", "A1")),
            (r("NEW_DEVICE_DRAWDOWN"),),
        ),
        "gate2": Decision("gate2", "decline", "A2", (), (r("INSUFFICIENT_LIMIT"),)),
        "cycle3": Decision(
            "cycle3",
            "review",
            "A3",
            (Action("freeze", "cash_loan", "A3"), Action("open_review")),
            (r("FUND_CYCLE"),),
            {"score.fraud": 0.2},
        ),
        "lend4": Decision(
            "lend4",
            "decline",
            "A4",
            (
                Action("cut_limit", "revolving", "A4"),
                Action("freeze", "cash_loan", "A4", applied=False),
            ),
            (r("MULTI_LENDING"), r("INSUFFICIENT_LIMIT")),
        ),
        "cash2": Decision(
            "cash2",
            "review",
            "A5",
            (Action("freeze", "cash_loan", "A5"), Action("open_review")),
            (r("FUND_CYCLE"),),
            {"score.fraud": 0.9},
        ),
        "farm2": Decision(
            "farm2", "decline", "A6", (Action("close", "cash_loan", "A6"),), (r("DEVICE_SHARED"),)
        ),
    }


def _run() -> EvaluationReport:
    script = _decisions()

    def decide(e: dict[str, Any]) -> Decision:
        return script.get(e["event_id"]) or Decision(e["event_id"], "approve", e["account_id"])

    return evaluate((_events(), _labels()), decide)


@pytest.fixture(scope="module")
def report() -> EvaluationReport:
    return _run()


def test_harm_table_counts_each_action_on_the_persons_it_touched(report: EvaluationReport) -> None:
    rows = {r.group: r for r in report.harm}
    assert list(rows) == ["good persons", "household_transfers", "night_owl"]
    good, house, night = rows["good persons"], rows["household_transfers"], rows["night_owl"]
    assert good.persons == 2
    assert good.rates == {
        "challenged": 0.5,
        "held": 0.5,  # the freeze came with a challenge: a hold, not a freeze
        "reviewed": 0.0,
        "declined_risk": 0.0,
        "declined_credit": 0.5,
        "limit_cut": 0.0,
        "frozen": 0.0,
        "closed": 0.0,
    }
    assert good.any_risk == 0.5  # the credit decline is not a risk action
    assert house.rates["reviewed"] == 0.5 and house.rates["frozen"] == 0.5
    assert house.rates["declined_risk"] == 0.5 and house.rates["limit_cut"] == 0.5
    assert house.any_risk == 1.0
    assert night.rates["frozen"] == 0.0  # the freeze on P4 was not applied
    assert night.rates["declined_risk"] == 1.0 and night.rates["declined_credit"] == 0.0


def test_review_cases_are_one_per_person_per_customer_day(report: EvaluationReport) -> None:
    rows = {r.group: r for r in report.harm}
    assert report.days == 2
    assert rows["household_transfers"].cases_per_10k_day == pytest.approx(10_000 * 1 / (2 * 2))
    assert rows["good persons"].cases_per_10k_day == 0.0
    # P3 and P5 were put in review: 2 cases over 6 customers and 2 days
    assert report.review_cases_per_10k_day == pytest.approx(10_000 * 2 / (6 * 2), abs=1e-3)


def test_precision_is_charged_only_with_the_reasons_that_caught_the_typology(
    report: EvaluationReport,
) -> None:
    rows = {r.typology: r for r in report.typologies}
    # cashout was caught by FUND_CYCLE, which also flagged P3 (not P1's challenge, not P4)
    assert rows["cashout"].reasons == ("FUND_CYCLE",)
    assert rows["cashout"].honest_flagged_by_its_reasons == 1
    assert rows["cashout"].precision == 0.5
    # farm was caught by DEVICE_SHARED, which flagged no honest person
    assert rows["farm"].precision == 1.0
    # overall: A5, A6 among the flagged A1, A3, A4, A5, A6
    assert report.precision == 0.4
    assert report.precision_persons == 0.4


def test_time_to_detection_runs_from_the_first_fraud_event(report: EvaluationReport) -> None:
    rows = {r.typology: r for r in report.typologies}
    assert rows["cashout"].median_hours_to_detection == 6.0
    assert rows["farm"].median_hours_to_detection == 4.0
    assert rows["cashout"].recall == rows["farm"].recall == 1.0


def test_credit_after_the_freeze_is_stopped(report: EvaluationReport) -> None:
    cashout = next(r for r in report.typologies if r.typology == "cashout")
    assert cashout.credit_at_risk == 150.0
    assert cashout.credit_stopped == 50.0


def test_pr_curves_rank_by_severity_then_model_score(report: EvaluationReport) -> None:
    curves = {c.typology: c for c in report.curves}
    # honest scores: P1 1 (challenge), P2 0, P3 4 + 0.999 * 0.2, P4 4 (decline + applied cut)
    cashout = curves["cashout"]  # A5: 4 + 0.999 * 0.9, above every honest person
    assert [(r, p) for _, r, p in cashout.points] == [(1, 1), (1, 0.5), (1, 0.3333), (1, 0.25)]
    assert cashout.average_precision == 1.0
    farm = curves["farm"]  # A6: 4, tied with P4 and below P3
    assert [(r, p) for _, r, p in farm.points][:2] == [(0, 0), (1, 0.3333)]
    assert farm.average_precision == pytest.approx(0.3333)
    assert render_html(report).count("<polyline") == 2


def test_a_flag_on_an_honest_person_by_the_catching_reason_lowers_precision() -> None:
    script = _decisions()
    script["pay2"] = Decision("pay2", "review", "A2", (), (Reason("DEVICE_SHARED"),))

    def decide(e: dict[str, Any]) -> Decision:
        return script.get(e["event_id"]) or Decision(e["event_id"], "approve", e["account_id"])

    report = evaluate((_events(), _labels()), decide)
    rows = {r.typology: r for r in report.typologies}
    assert rows["farm"].precision == 0.5
    assert rows["cashout"].precision == 0.5
