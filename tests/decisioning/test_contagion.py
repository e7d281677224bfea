"""Enterprise contagion with the real link graph and the default policy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.credit import LineStatus
from riskline.decisioning import Decision, Outcome
from riskline.decisioning.policy import DEFAULT_POLICY_PATH
from riskline.decisioning.replay import flagged_by
from riskline.events import parse_event
from riskline.runtime import Runtime, build_runtime
from tests.factories import T0, wire


@pytest.fixture
def runtime(settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    rt = build_runtime(settings, clock=clock)
    yield rt
    rt.close()


def _setup(rt: Runtime, role: str, share: str | None = None) -> None:
    roles = [
        {"party_id": "p1", "role": role, **({"share": share} if share else {})},
        {"party_id": "p7", "role": "legal_representative"},
    ]
    established = T0 - timedelta(days=400)  # not a shell company: registered long ago
    for kind, kw in [
        ("enterprise_registered", {"roles": roles, "at": established}),
        ("account_opened", {}),
        ("loan_application", {"product": "cash_loan", "amount": "2000.00"}),
        ("enterprise_loan_application", {}),
    ]:
        d = rt.engine.process(parse_event(wire(kind, **kw), rt.hasher))
        assert d.outcome is Outcome.APPROVE, d.reasons


def _night_maxout(rt: Runtime) -> Decision:
    """p1's a1, a month after opening, spends 4,800 of the 5,000 on its revolving line in one
    round amount at 02:00: the default policy's ``maxout_round_night`` reviews it and freezes
    a1's lines."""
    night = T0.replace(hour=2) + timedelta(days=31)
    # the merchant sells mostly for cash: not a collusive one (that check would fire too)
    sale = wire("payment", at=night - timedelta(days=3), amount="9000.00", funding="bank_card")
    assert rt.engine.process(parse_event(sale, rt.hasher)).outcome is Outcome.APPROVE
    payment = wire("payment", at=night, amount="4800.00")
    return rt.engine.process(parse_event(payment, rt.hasher))


def test_freezing_a_controller_reviews_the_enterprise(runtime: Runtime) -> None:
    _setup(runtime, "actual_controller")
    (line,) = runtime.store.lines_for(["e1"])
    d = _night_maxout(runtime)
    assert d.outcome is Outcome.REVIEW
    assert d.reason_codes == ("CASHOUT_PATTERN", "LINKED_PERSON_RESTRICTED")
    assert d.reasons[1].evidence == {
        "person": "p1",
        "role": "actual_controller",
        "enterprise": "e1",
    }
    (after,) = runtime.store.lines_for(["e1"])
    assert after.status is LineStatus.LIMITED and after.limit == (line.limit / 2).quantize(
        Decimal(1)
    )
    history = runtime.store.line_history(after.line_id)
    assert history[-1].reasons == ("LINKED_PERSON_RESTRICTED",)
    assert history[-1].decision_id == d.decision_id
    kinds = {(a.kind.value, a.owner_id) for a in d.actions}
    assert ("freeze", "a1") in kinds and ("cut_limit", "e1") in kinds


def test_small_shareholder_does_not_spread(runtime: Runtime) -> None:
    _setup(runtime, "shareholder", "0.1")
    d = _night_maxout(runtime)
    assert d.reason_codes == ("CASHOUT_PATTERN",)
    (line,) = runtime.store.lines_for(["e1"])
    assert line.status is LineStatus.ACTIVE


def test_contagion_survives_a_rebuild(runtime: Runtime) -> None:
    _setup(runtime, "guarantor")
    runtime.engine.rebuild()
    d = _night_maxout(runtime)
    assert "LINKED_PERSON_RESTRICTED" in d.reason_codes


_SHELL_CHECK = {
    "id": "shell_enterprise_freeze",
    "description": "An enterprise asking for a lot of credit (a check that freezes its line).",
    "events": ["enterprise_loan_application"],
    "when": "enterprise.loan_amount_90d >= 1000000",
    "outcome": "review",
    "reason": {"code": "YOUNG_ENTERPRISE", "text": "The business is new and asks for a lot."},
    "actions": [
        {"kind": "freeze", "product": "enterprise_credit", "days": 30},
        {"kind": "open_review"},
    ],
}


def test_enterprise_overdue_alone_reviews_nobody(runtime: Runtime) -> None:
    """Lateness is a credit matter: an enterprise's overdue bill freezes nothing, so nothing
    spreads to the people behind it."""
    _setup(runtime, "actual_controller")
    overdue = wire("bill_overdue", account_id="e1", product="enterprise_credit", days_overdue=60)
    d = runtime.engine.process(parse_event(overdue, runtime.hasher))
    assert d.outcome is Outcome.APPROVE and d.reasons == () and d.actions == ()
    lines = runtime.store.lines_for(["e1", "a1"])
    assert {ln.status for ln in lines} == {LineStatus.ACTIVE}


def test_frozen_enterprise_reviews_its_controllers(
    settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    policy = yaml.safe_load(DEFAULT_POLICY_PATH.read_text())
    policy["checks"].append(_SHELL_CHECK)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy))
    rt = build_runtime(settings.model_copy(update={"policy_path": path}), clock=clock)
    try:
        _setup(rt, "actual_controller")
        ask = wire("enterprise_loan_application", amount="1500000.00")
        d = rt.engine.process(parse_event(ask, rt.hasher))
        assert d.outcome is Outcome.REVIEW
        assert "CONTROLLED_ENTERPRISE_RESTRICTED" in d.reason_codes
        up = next(r for r in d.reasons if r.code == "CONTROLLED_ENTERPRISE_RESTRICTED")
        assert up.evidence == {"enterprise": "e1", "role": "actual_controller", "person": "p1"}
        (enterprise_line,) = rt.store.lines_for(["e1"])
        assert enterprise_line.status is LineStatus.FROZEN
        lines = {ln.product.value: ln for ln in rt.store.lines_for(["a1"])}
        assert lines["cash_loan"].status is LineStatus.LIMITED
        assert ("open_review", "a1") in {(a.kind.value, a.owner_id) for a in d.actions}
    finally:
        rt.close()


_HOLD_CHECK = {  # a protective hold as the default policy's new-device checks ask for
    "id": "new_device_hold",
    "description": "A large purchase from a device that may not be the owner's.",
    "events": ["payment"],
    "when": "event.amount >= 4000",
    "outcome": "review",
    "reason": {"code": "NEW_DEVICE_DRAWDOWN", "text": "Please confirm it is you."},
    "actions": [{"kind": "freeze", "product": "revolving", "days": 3}, {"kind": "open_review"}],
}


@pytest.mark.parametrize("protective", [True, False])
def test_a_protective_freeze_neither_spreads_nor_marks_the_victim(
    settings: Settings, clock: FixedClock, tmp_path: Path, protective: bool
) -> None:
    """A line frozen only because credit was used from a device that may not be the owner's
    protects a possible takeover victim: the enterprise they control keeps its line, the person
    is not marked in the graph (their contacts are not "linked to fraud"), and a rebuild from
    the ledger agrees. The same freeze from a check that is not protective does all three."""
    policy = yaml.safe_load(DEFAULT_POLICY_PATH.read_text())
    policy["checks"].append(_HOLD_CHECK)
    if not protective:
        policy["contagion"]["protective"] = []
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy))
    rt = build_runtime(settings.model_copy(update={"policy_path": path}), clock=clock)
    try:
        _setup(rt, "actual_controller")
        spend = wire("payment", at=T0.replace(hour=14) + timedelta(days=31), amount="4321.50")
        d = rt.engine.process(parse_event(spend, rt.hasher))
        assert d.outcome is Outcome.REVIEW and d.reason_codes[0] == "NEW_DEVICE_DRAWDOWN"
        assert ("freeze", "a1") in {(a.kind.value, a.owner_id) for a in d.actions}
        (enterprise_line,) = rt.store.lines_for(["e1"])
        assert (enterprise_line.status is LineStatus.ACTIVE) is protective
        graph = rt.engine.graph.risk.graph  # type: ignore[union-attr]
        assert (("person", "p1") in graph.flags) is not protective
        assert flagged_by(d, rt.engine.policy.contagion) is not protective  # type: ignore[arg-type]
        rt.engine.rebuild()
        graph = rt.engine.graph.risk.graph  # type: ignore[union-attr]
        assert (("person", "p1") in graph.flags) is not protective
    finally:
        rt.close()
