"""Money stopped by a step-up: an impostor cannot pass the owner's face check, an owner can.

Two fraud accounts, each challenged on a first drawdown with its cash line held (a freeze that
comes with the challenge), then drawing again an hour later:

- A1 is a takeover victim: both of the attacker's drawdowns are stopped (the challenge holds the
  first until the owner's face is shown, and the line stays held for the second);
- A2 is a bust-out owner: they pass the step-up and the hold is lifted, so the first drawdown is
  not stopped; the second is held for review (the engine draws a line only on an approve) with a
  freeze that is not a hold, which stops the third.
"""

from __future__ import annotations

from typing import Any

from riskline.sim import Labels, evaluate
from riskline.sim.evaluate import EvaluationReport, TypologyResult
from tests.sim.decisions import Action, Decision, Reason

DAY = "2026-01-05"


def _events() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "event_id": f"open{i}",
            "type": "account_opened",
            "occurred_at": f"{DAY}T00:00:0{i}Z",
            "account_id": f"A{i}",
            "person_id": f"P{i}",
        }
        for i in (1, 2)
    ]
    for eid, hour, account in [
        ("take1", 8, "A1"),
        ("take2", 9, "A1"),
        ("bust1", 8, "A2"),
        ("bust2", 9, "A2"),
        ("bust3", 11, "A2"),
    ]:
        out.append(
            {
                "event_id": eid,
                "type": "loan_drawdown",
                "occurred_at": f"{DAY}T{hour:02d}:00:00Z",
                "account_id": account,
            }
        )
    return sorted(out, key=lambda e: e["occurred_at"])


def _labels() -> Labels:
    start = 1767571200  # 2026-01-05 00:00 UTC
    records: list[dict[str, Any]] = [
        {"level": "ring", "id": "R1", "typology": "takeover", "start_ts": start},
        {"level": "ring", "id": "R2", "typology": "bustout", "start_ts": start},
        {"level": "account", "id": "A1", "person_id": "P1", "ring_id": "R1"},
        {"level": "account", "id": "A2", "person_id": "P2", "ring_id": "R2"},
    ]
    records[2] |= {"typology": "takeover", "start_ts": start}
    records[3] |= {"typology": "bustout", "start_ts": start}
    for eid, typology, cents in [
        ("take1", "takeover", 30000),
        ("take2", "takeover", 20000),
        ("bust1", "bustout", 40000),
        ("bust2", "bustout", 10000),
        ("bust3", "bustout", 5000),
    ]:
        records.append({"level": "event", "id": eid, "typology": typology, "credit_cents": cents})
    records[0]["end_ts"] = records[1]["end_ts"] = start + 86399
    return Labels.from_records(records)


def _hold(eid: str, account: str) -> Decision:
    return Decision(
        eid,
        "challenge",
        account,
        (Action("challenge"), Action("freeze", "cash_loan", account)),
        (Reason("NEW_DEVICE_DRAWDOWN"),),
    )


def _run() -> EvaluationReport:
    script = {
        "take1": _hold("take1", "A1"),
        "bust1": _hold("bust1", "A2"),
        "bust2": Decision(
            "bust2", "review", "A2", (Action("freeze", "cash_loan", "A2"),), (Reason("X"),)
        ),
    }

    def decide(e: dict[str, Any]) -> Decision:
        return script.get(e["event_id"]) or Decision(e["event_id"], "approve", e["account_id"])

    return evaluate((_events(), _labels()), decide)


def _row(report: EvaluationReport, typology: str) -> TypologyResult:
    return {r.typology: r for r in report.typologies}[typology]


def test_an_impostor_is_stopped_by_the_challenge_and_the_hold() -> None:
    takeover = _row(_run(), "takeover")
    assert takeover.credit_at_risk == 500.0
    assert takeover.credit_stopped == 500.0  # the challenged drawdown and the one while held
    assert takeover.held_stopped == 500.0
    assert takeover.money_stopped_share == 1.0


def test_an_owner_passes_the_step_up_and_only_a_review_or_a_real_freeze_stops_them() -> None:
    bustout = _row(_run(), "bustout")
    assert bustout.credit_at_risk == 550.0
    # bust1 challenged (passed: not stopped), bust2 held for review, bust3 after bust2's freeze
    assert bustout.credit_stopped == 150.0
    assert bustout.review_stopped == 100.0
    assert bustout.held_stopped == 0.0
