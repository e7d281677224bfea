"""Lateness is a credit matter: new credit is paused while a bill is overdue, and the pause
lifts when the customer repays. No review, no freeze, no limit cut (issue 17)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.credit import LineStatus
from riskline.decisioning import Decision, Outcome, risk_view
from riskline.decisioning.types import CREDIT_GATE_CODES
from riskline.events import parse_event
from riskline.notices import Renderer
from riskline.runtime import Runtime, build_runtime
from riskline.sim.evaluate import CREDIT_GATES
from tests.factories import T0, wire


@pytest.fixture
def runtime(settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    rt = build_runtime(settings, clock=clock)
    yield rt
    rt.close()


def _at(days: float) -> Any:
    return T0 + timedelta(days=days)


def _do(rt: Runtime, kind: str, days: float, **kw: Any) -> Decision:
    return rt.engine.process(parse_event(wire(kind, at=_at(days), **kw), rt.hasher))


def _open(rt: Runtime) -> None:
    assert _do(rt, "account_opened", 0).outcome is Outcome.APPROVE
    assert _do(rt, "loan_application", 0.01).outcome is Outcome.APPROVE  # a cash-loan line


def _paused(d: Decision) -> None:
    """Declined for credit alone: the only reason is the pause, nothing else was done."""
    assert d.outcome is Outcome.DECLINE
    assert d.reason_codes == ("ACCOUNT_DELINQUENT",)
    assert d.actions == ()
    assert risk_view(d).outcome == "approve"  # not a risk flag


def _lines(rt: Runtime) -> dict[str, tuple[LineStatus, Any]]:
    return {ln.product.value: (ln.status, ln.limit) for ln in rt.store.lines_for(["a1"])}


def test_an_overdue_bill_pauses_new_credit_until_repaid(runtime: Runtime) -> None:
    _open(runtime)
    before = _lines(runtime)
    assert _do(runtime, "loan_drawdown", 5).outcome is Outcome.APPROVE
    overdue = _do(runtime, "bill_overdue", 20, days_overdue=1)
    assert overdue.outcome is Outcome.APPROVE and overdue.actions == ()  # no review, no cut
    late = _do(runtime, "bill_overdue", 50, days_overdue=30)  # still unpaid a month on
    assert late.outcome is Outcome.APPROVE and late.actions == ()

    _paused(_do(runtime, "loan_drawdown", 51))
    _paused(_do(runtime, "payment", 51.1))  # a purchase on the revolving line
    _paused(_do(runtime, "loan_application", 51.2))
    cash = _do(runtime, "payment", 51.3, funding="bank_card")  # not credit: goes ahead
    assert cash.outcome is Outcome.APPROVE
    assert _lines(runtime) == before  # no freeze, no limit cut

    assert _do(runtime, "repayment", 52, paid_at=_at(52).isoformat()).outcome is Outcome.APPROVE
    assert _do(runtime, "loan_drawdown", 52.5).outcome is Outcome.APPROVE  # the pause lifted


def test_a_week_late_after_a_repayment_pauses_again(runtime: Runtime) -> None:
    _open(runtime)
    _do(runtime, "repayment", 9, paid_at=_at(9).isoformat())
    assert _do(runtime, "loan_drawdown", 10).outcome is Outcome.APPROVE
    _do(runtime, "bill_overdue", 40, days_overdue=1)
    assert _do(runtime, "loan_drawdown", 44).outcome is Outcome.APPROVE  # 5 days late: nothing
    d = _do(runtime, "loan_drawdown", 46)  # 7 days late, no repayment since the notice
    _paused(d)
    assert d.features["account.hours_since_overdue"] == pytest.approx(6 * 24.0)
    assert d.features["account.hours_since_repayment"] == pytest.approx(37 * 24.0)
    assert d.features["account.last_days_overdue"] == 1.0


def test_never_overdue_is_never_paused(runtime: Runtime) -> None:
    _open(runtime)
    d = _do(runtime, "loan_drawdown", 3)
    assert d.outcome is Outcome.APPROVE
    since = d.features.get("account.hours_since_overdue")
    assert since is None or math.isnan(since)  # missing: no overdue notice ever


def test_the_pause_is_a_credit_gate_everywhere() -> None:
    assert "ACCOUNT_DELINQUENT" in CREDIT_GATE_CODES
    assert CREDIT_GATES == CREDIT_GATE_CODES  # the evaluator counts it apart, like the engine


@pytest.mark.parametrize(("lang", "word"), [("en", "repay"), ("zh-CN", "还清")])
def test_the_notice_says_credit_is_paused_until_repaid(lang: str, word: str) -> None:
    text = Renderer.default().explain("ACCOUNT_DELINQUENT", lang)
    assert word in text and text != Renderer.default().explain("default", lang)
