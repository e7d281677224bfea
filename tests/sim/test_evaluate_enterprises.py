"""The harm row of honest enterprises: a business reviewed, declined or frozen is a customer
harmed too, counted apart from persons and never as a fraud catch.

Four enterprises registered; E4 is labeled (an enterprise-circle member). E1 is reviewed with
a line frozen, E2 declined for lack of credit only, E3 approved, E4 reviewed.
"""

from __future__ import annotations

from typing import Any

import pytest

from riskline.sim import Labels, evaluate, render_html
from riskline.sim.evaluate import EvaluationReport
from riskline.sim.report import harm_table
from tests.sim.decisions import Action, Decision, Reason

DAY = "2026-01-05"


def _events() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "event_id": "open1",
            "type": "account_opened",
            "occurred_at": f"{DAY}T00:00:00Z",
            "account_id": "A1",
            "person_id": "P1",
        }
    ]
    for i in range(1, 5):
        reg = {"event_id": f"reg{i}", "type": "enterprise_registered", "enterprise_id": f"E{i}"}
        out.append({**reg, "occurred_at": f"{DAY}T01:00:0{i}Z"})
        ask = {"event_id": f"ask{i}", "type": "enterprise_loan_application"}
        out.append({**ask, "occurred_at": f"{DAY}T02:00:0{i}Z", "enterprise_id": f"E{i}"})
    out.append({"event_id": "pay1", "type": "payment", "occurred_at": f"{DAY}T03:00:00Z"})
    out[-1]["account_id"] = "A1"
    return out


def _labels() -> Labels:
    ring = {"level": "ring", "id": "R1", "typology": "enterprise", "start_ts": 1767571200}
    actor = {"level": "enterprise", "id": "E4", "ring_id": "R1", "typology": "enterprise"}
    return Labels.from_records([ring, {**actor, "start_ts": 1767571200}])


def _run() -> EvaluationReport:
    script = {
        "ask1": Decision(
            "ask1",
            "review",
            "E1",
            (Action("freeze", "enterprise_credit", "E1"), Action("open_review")),
            (Reason("YOUNG_ENTERPRISE"),),
        ),
        "ask2": Decision("ask2", "decline", "E2", (), (Reason("INSUFFICIENT_LIMIT"),)),
        "ask4": Decision("ask4", "review", "E4", (Action("open_review"),), (Reason("MULE_CARD"),)),
    }

    def decide(e: dict[str, Any]) -> Decision:
        subject = e.get("account_id") or e.get("enterprise_id") or ""
        return script.get(e["event_id"]) or Decision(e["event_id"], "approve", subject)

    return evaluate((_events(), _labels()), decide)


def test_honest_enterprises_have_a_harm_row_of_their_own() -> None:
    report = _run()
    row = report.enterprise_harm
    assert row is not None and row.group == "honest enterprises"
    assert row.persons == 3  # E1, E2, E3: the labeled circle member is not an honest customer
    third = pytest.approx(1 / 3, abs=1e-4)  # shares are rounded to 4 places
    assert row.any_risk == third  # E1 only: E2's decline is a credit decline, not a risk action
    assert row.rates["reviewed"] == third and row.rates["frozen"] == third
    assert row.rates["declined_credit"] == third and row.rates["declined_risk"] == 0.0
    assert row.cases_per_10k_day > 0
    assert [r.group for r in report.harm] == ["good persons"]  # persons' rows unchanged
    assert report.to_dict()["enterprise_harm"]["persons"] == 3
    assert "honest enterprises" in render_html(report)
    assert "honest enterprises" in [str(c) for c in harm_table(report).columns[0].cells]


def test_a_world_without_enterprises_has_no_enterprise_row() -> None:
    events = [e for e in _events() if "enterprise_id" not in e]
    report = evaluate(
        (events, Labels.from_records([])), lambda e: Decision(e["event_id"], "approve", "A1")
    )
    assert report.enterprise_harm is None


def test_the_evaluators_credit_gates_are_the_engines() -> None:
    """The simulator may not import the engine (tests/test_layers.py), so it keeps its own copy
    of the credit-gate codes; a gate added to one and not the other would be read as a risk
    flag by the evaluator."""
    from riskline.decisioning.types import CREDIT_GATE_CODES
    from riskline.sim.evaluate import CREDIT_GATES

    assert CREDIT_GATES == CREDIT_GATE_CODES
