"""Enterprise contagion with the real link graph and the default policy."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.credit import LineStatus
from riskline.decisioning import Outcome
from riskline.events import parse_event
from riskline.runtime import Runtime, build_runtime
from tests.factories import wire


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
    for kind, kw in [
        ("account_opened", {}),
        ("loan_application", {"product": "cash_loan", "amount": "2000.00"}),
        ("enterprise_registered", {"roles": roles}),
        ("enterprise_loan_application", {}),
    ]:
        d = rt.engine.process(parse_event(wire(kind, **kw), rt.hasher))
        assert d.outcome is Outcome.APPROVE, d.reasons


def test_freezing_a_controller_reviews_the_enterprise(runtime: Runtime) -> None:
    _setup(runtime, "actual_controller")
    (line,) = runtime.store.lines_for(["e1"])
    d = runtime.engine.process(parse_event(wire("bill_overdue", days_overdue=45), runtime.hasher))
    assert d.outcome is Outcome.REVIEW
    assert d.reason_codes == ("REPAYMENT_OVERDUE", "LINKED_PERSON_RESTRICTED")
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
    d = runtime.engine.process(parse_event(wire("bill_overdue", days_overdue=45), runtime.hasher))
    assert d.reason_codes == ("REPAYMENT_OVERDUE",)
    (line,) = runtime.store.lines_for(["e1"])
    assert line.status is LineStatus.ACTIVE


def test_contagion_survives_a_rebuild(runtime: Runtime) -> None:
    _setup(runtime, "guarantor")
    runtime.engine.rebuild()
    d = runtime.engine.process(parse_event(wire("bill_overdue", days_overdue=45), runtime.hasher))
    assert "LINKED_PERSON_RESTRICTED" in d.reason_codes


def test_enterprise_default_reviews_its_controllers(runtime: Runtime) -> None:
    _setup(runtime, "actual_controller")
    overdue = wire("bill_overdue", account_id="e1", product="enterprise_credit", days_overdue=60)
    d = runtime.engine.process(parse_event(overdue, runtime.hasher))
    assert d.outcome is Outcome.REVIEW
    assert "CONTROLLED_ENTERPRISE_RESTRICTED" in d.reason_codes
    up = next(r for r in d.reasons if r.code == "CONTROLLED_ENTERPRISE_RESTRICTED")
    assert up.evidence == {"enterprise": "e1", "role": "actual_controller", "person": "p1"}
    (enterprise_line,) = runtime.store.lines_for(["e1"])
    assert enterprise_line.status is LineStatus.FROZEN
    lines = {ln.product.value: ln for ln in runtime.store.lines_for(["a1"])}
    assert lines["cash_loan"].status is LineStatus.LIMITED
    assert ("open_review", "a1") in {(a.kind.value, a.owner_id) for a in d.actions}
