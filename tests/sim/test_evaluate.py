"""evaluate() scores fake deciders exactly as the labels say it should."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from riskline.sim import (
    Labels,
    WorldConfig,
    evaluate,
    load_world,
    render_html,
    report_table,
    write_report,
)
from tests.sim.decisions import Action, Decision, Reason

Events = list[dict[str, Any]]


def subject(e: dict[str, Any]) -> str:
    for key in ("account_id", "enterprise_id", "merchant_id", "person_id"):
        if key in e:
            return str(e[key])
    return str(e["event_id"])


def decider(
    flag: Callable[[dict[str, Any]], bool],
    outcome: str = "decline",
    actions: tuple[Action, ...] = (Action("freeze"),),
) -> Callable[[dict[str, Any]], Decision]:
    def decide(e: dict[str, Any]) -> Decision:
        if flag(e):
            return Decision(e["event_id"], outcome, subject(e), actions)
        return Decision(e["event_id"], "approve", subject(e))

    return decide


def test_oracle_flagging_exactly_the_labeled_actors_scores_perfectly(
    events: Events, labels: Labels
) -> None:
    bad = {r["id"] for r in labels.actors()}
    report = evaluate((events, labels), decider(lambda e: subject(e) in bad))
    assert report.typologies
    for row in report.typologies:
        assert row.recall == 1.0, row
        assert row.precision == 1.0, row
        assert row.money_stopped_share == 1.0, row
    assert report.fpr_good == 0.0
    assert report.fpr_hard_negative == 0.0
    assert report.events == len(events)


def test_approving_everything_detects_nothing(world_dir: Path, events: Events) -> None:
    report = evaluate(world_dir, decider(lambda e: False))
    assert all(r.recall == 0.0 and r.credit_stopped == 0.0 for r in report.typologies)
    assert report.outcomes == {"approve": len(events)}
    assert report.fpr_good == 0.0


def test_declining_everything_is_all_false_positives(events: Events, labels: Labels) -> None:
    report = evaluate((events, labels), decider(lambda e: True, actions=()))
    assert report.fpr_good == 1.0
    assert report.fpr_hard_negative == 1.0
    assert report.precision < 0.2
    assert all(r.recall == 1.0 and r.money_stopped_share == 1.0 for r in report.typologies)


def test_flags_after_the_ring_ends_do_not_count(events: Events, labels: Labels) -> None:
    end = {r["id"]: labels.rings[r["ring_id"]]["end"] for r in labels.actors()}
    late = decider(lambda e: subject(e) in end and e["occurred_at"] > end[subject(e)])
    report = evaluate((events, labels), late)
    assert all(r.detected == 0 for r in report.typologies)


def test_freeze_on_first_fraud_credit_stops_only_later_credit(
    events: Events, labels: Labels
) -> None:
    credit = {k for k, r in labels.events.items() if "credit_cents" in r}
    owner_of = {e["event_id"]: subject(e) for e in events if e["event_id"] in credit}
    seen: set[str] = set()
    expected: dict[str, int] = {}
    for e in events:
        if e["event_id"] in credit:
            label = labels.events[e["event_id"]]
            if owner_of[e["event_id"]] in seen:
                expected[label["typology"]] = (
                    expected.get(label["typology"], 0) + label["credit_cents"]
                )
            seen.add(owner_of[e["event_id"]])
    # approved with a freeze: the flagged credit goes out, what follows is stopped
    report = evaluate(
        (events, labels), decider(lambda e: e["event_id"] in credit, outcome="approve")
    )
    for row in report.typologies:
        assert row.credit_stopped == pytest.approx(expected.get(row.typology, 0) / 100), row
    assert any(0 < r.money_stopped_share < 1 for r in report.typologies)


def test_credit_held_for_review_is_stopped(events: Events, labels: Labels) -> None:
    credit = {k for k, r in labels.events.items() if "credit_cents" in r}
    review = decider(lambda e: e["event_id"] in credit, outcome="review", actions=())
    report = evaluate((events, labels), review)
    for row in report.typologies:
        assert row.credit_stopped == row.review_stopped == row.credit_at_risk, row
    challenge = decider(lambda e: e["event_id"] in credit, outcome="challenge", actions=())
    held = {r.typology: r for r in evaluate((events, labels), challenge).typologies}
    assert held["takeover"].credit_stopped == held["takeover"].credit_at_risk > 0
    assert all(r.credit_stopped == 0 for t, r in held.items() if t != "takeover")


def test_a_draw_without_a_line_after_its_application_went_to_review_is_stopped(
    events: Events, labels: Labels
) -> None:
    # The engine opens a line only when an application is approved: the enterprise circle's
    # applications held for review leave their draws declined for having no line.
    enterprises = {r["id"] for r in labels.actors() if r["typology"] == "enterprise"}
    draws = {
        e["event_id"]
        for e in events
        if e["type"] == "loan_drawdown" and e.get("account_id") in enterprises
    }
    assert draws and draws <= {k for k, r in labels.events.items() if "credit_cents" in r}

    def decide(review_applications: bool) -> Callable[[dict[str, Any]], Decision]:
        def one(e: dict[str, Any]) -> Decision:
            if e["type"] == "enterprise_loan_application" and review_applications:
                return Decision(e["event_id"], "review", subject(e), reasons=(Reason("X"),))
            if e["event_id"] in draws:
                return Decision(
                    e["event_id"], "decline", subject(e), reasons=(Reason("NO_CREDIT_LINE"),)
                )
            return Decision(e["event_id"], "approve", subject(e))

        return one

    held = {r.typology: r for r in evaluate((events, labels), decide(True)).typologies}
    row = held["enterprise"]
    assert row.credit_stopped == row.review_stopped == row.credit_at_risk > 0
    # No review before: the product had no line of its own accord, which stops nothing.
    plain = {r.typology: r for r in evaluate((events, labels), decide(False)).typologies}
    assert plain["enterprise"].credit_stopped == 0


def test_a_flag_on_the_person_counts_for_their_accounts(events: Events, labels: Labels) -> None:
    # bureau reports pulled on loan applications inside the window (not at account opening)
    applied = {e["account_id"] for e in events if e["type"] == "loan_application"}
    persons = {
        e["person_id"] for e in events if e.get("account_id") in applied and "person_id" in e
    }
    start = f"{WorldConfig.small().start.isoformat()}T00:00:00Z"

    def pulled(e: dict[str, Any]) -> bool:
        return (
            e["type"] == "bureau_report" and e["occurred_at"] >= start and e["person_id"] in persons
        )

    report = evaluate((events, labels), decider(pulled))
    rows = {r.typology: r for r in report.typologies}
    assert rows["multilend"].recall == 1.0
    assert rows["multilend"].median_hours_to_detection is not None
    assert rows["cashout"].recall == 0.0


def test_reports_render_as_table_json_and_html(world_dir: Path, tmp_path: Path) -> None:
    world = load_world(world_dir)
    bad = {r["id"] for r in world.labels.actors() if r["typology"] == "farm"}
    report = evaluate(world, decider(lambda e: subject(e) in bad))
    console = Console(record=True, width=140)
    console.print(report_table(report))
    text = console.export_text()
    assert "farm" in text
    assert "100.0%" in text
    js, page = write_report(report, tmp_path)
    body = json.loads(js.read_text())
    assert body["typologies"][0]["typology"] == report.typologies[0].typology
    html = page.read_text()
    assert html.count("<svg") == 4 + len(report.curves)  # bar charts, one PR curve each
    assert "<script" not in html
    assert render_html(report) == html


def test_a_decline_for_no_line_at_a_held_merchant_is_a_credit_decline(
    events: Events, labels: Labels
) -> None:
    """Every honest payment is declined for having no line, at a merchant whose settlement the
    policy holds (an approving check: its code is passive). That is no risk flag on the buyer;
    a decline that also gives a code that changes outcomes still is one."""
    bad = {r["id"] for r in labels.actors()}

    def decide(codes: tuple[str, ...]) -> Callable[[dict[str, Any]], Decision]:
        def at(e: dict[str, Any]) -> Decision:
            if e["type"] != "payment" or subject(e) in bad:
                return Decision(e["event_id"], "approve", subject(e))
            reasons = tuple(Reason(c) for c in codes)
            held = (Action("hold_settlement"),)
            return Decision(e["event_id"], "decline", subject(e), held, reasons)

        return at

    passive = frozenset({"MERCHANT_CASH_OUT_LOOP"})
    gate = ("MERCHANT_CASH_OUT_LOOP", "NO_CREDIT_LINE")
    credit = evaluate((events, labels), decide(gate), passive)
    assert credit.fpr_good == 0.0 and credit.credit_declined_good > 0
    unaware = evaluate((events, labels), decide(gate))  # without the engine's passive codes
    assert unaware.fpr_good > 0
    risky = evaluate((events, labels), decide((*gate, "CASHOUT_PATTERN")), passive)
    assert risky.fpr_good == unaware.fpr_good > 0
