"""A cash-out merchant's settlement is held by the default policy, with a notice and a case;
an analyst's release is audited and lets the next payout through; expiry ends a hold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from riskline.cases import Reviewer, ReviewerRole
from riskline.cases.merchants import MerchantDesk
from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.decisioning import ActionKind, Outcome
from riskline.errors import InvalidInput, NotFound
from riskline.notices import NoticeKind
from riskline.runtime import Runtime, build_runtime
from riskline.storage.audit import AuditLog
from tests.cases.helpers import decide
from tests.conftest import SECRET
from tests.factories import T0, wire

OWN_CARD = "6222 0200 1234 5678"
SUP = Reviewer("sam", ReviewerRole.SUPERVISOR, "Sam")


@pytest.fixture
def clock() -> FixedClock:
    """Processing time a day after the events start (analysts act in event time here)."""
    return FixedClock(T0 + timedelta(days=1))


@pytest.fixture
def rt(sqlite_url: str, clock: FixedClock) -> Iterator[Runtime]:
    runtime = build_runtime(Settings(database_url=sqlite_url, pii_secret=SECRET), clock=clock)
    yield runtime
    runtime.close()


def _buyer(i: int, amount: str, back: str | None) -> list[dict[str, Any]]:
    """A buyer opening an account, sending money to its own card, buying at m1, and (when
    ``back`` is given) m1 paying the purchase back to the buyer's card: one cash-out loop."""
    card = f"6222 0300 0000 {1000 + i}"
    out = [
        wire(
            "account_opened",
            account_id=f"b{i}",
            person_id=f"pb{i}",
            device_id=f"db{i}",
            phone=f"+86 137 0000 {1000 + i}",
            id_number=f"11010519800101{1000 + i}",
        ),
        wire("transfer", account_id=f"b{i}", amount="10.00", to_card=card, to_account_id=None),
        wire("payment", account_id=f"b{i}", merchant_id="m1", amount=amount, device_id=f"db{i}"),
    ]
    if back is not None:
        out.append(wire("merchant_payout", merchant_id="m1", card=card, amount=back))
    return out


def _ring(rt: Runtime) -> list[Any]:
    """Two loops closed at m1, then a third buyer's purchase there: the policy holds m1."""
    decide(rt, wire("merchant_registered", merchant_id="m1", owner_person_id="p9", card=OWN_CARD))
    decide(rt, *_buyer(1, "500.00", "450.00"), *_buyer(2, "400.00", "360.00"))
    return decide(rt, *_buyer(3, "200.00", None))


def _payout(rt: Runtime, at: Any = None) -> Any:
    return decide(
        rt, wire("merchant_payout", merchant_id="m1", card=OWN_CARD, amount="99.00", at=at)
    )[0]


def test_a_ring_merchant_is_held_with_a_notice_and_a_case_and_release_is_audited(
    rt: Runtime,
) -> None:
    before_hold = _ring(rt)[-1]
    hold = [a for a in before_hold.actions if a.kind is ActionKind.HOLD_SETTLEMENT]
    assert hold and hold[0].applied and hold[0].owner_id == "m1"
    assert "MERCHANT_CASH_OUT_LOOP" in before_hold.reason_codes

    held = _payout(rt)
    assert held.outcome is Outcome.REVIEW
    assert held.reason_codes[-1] == "SETTLEMENT_HELD"
    why = held.reasons[-1].evidence
    assert why["merchant"] == "m1" and why["asked_by"] == "MERCHANT_CASH_OUT_LOOP"

    notices = rt.notices.notices_for(account_id="m1")
    assert [n.kind for n in notices] == [NoticeKind.MERCHANT_SETTLEMENT_HELD]
    assert notices[0].reason_codes == ("SETTLEMENT_HELD", "MERCHANT_CASH_OUT_LOOP")
    assert notices[0].appealable
    rendered = rt.notices.renderer.render(notices[0], "en")
    assert "appeal" in rendered.how_to_appeal and len(rendered.why) == 2

    case = rt.cases.case_for_decision(held.decision_id)
    assert case is not None and case.group_kind == "merchant" and case.group_key == "m1"
    events = [e.action for e in rt.cases.detail(case.case_id).events]
    assert events[:2] == ["opened", "merchant_restricted"]
    receipt = rt.notices.appeal(notices[0].notice_id, "m1", "we sell phones, see invoices")
    assert receipt.case.case_id == case.case_id  # the merchant's appeal joins its case

    desk = rt.merchants
    assert isinstance(desk, MerchantDesk)
    with pytest.raises(InvalidInput):
        desk.release("m1", "hold_settlement", SUP, "  ")
    done = desk.release("m1", "hold_settlement", SUP, "invoices check out")
    assert [r.status for r in done] == ["released"]
    with AuditLog(rt.db).engine.connect() as conn:
        entries = list(AuditLog(rt.db).entries(conn, ("merchant.released",)))
    assert len(entries) == 1 and entries[0].actor == "sam"
    assert entries[0].detail["why"] == "invoices check out"
    assert AuditLog(rt.db).verify().ok
    closed = rt.cases.detail(case.case_id)
    assert closed.case.resolution is not None and closed.case.resolution.value == "legit"
    assert "merchant_released" in [e.action for e in closed.events]

    after = _payout(rt)
    assert after.outcome is Outcome.APPROVE and "SETTLEMENT_HELD" not in after.reason_codes
    kinds = [n.kind for n in rt.notices.notices_for(account_id="m1")]
    assert NoticeKind.MERCHANT_RESTRICTION_LIFTED in kinds
    assert NoticeKind.APPEAL_GRANTED in kinds  # the merchant's appeal was decided with the case
    with pytest.raises(NotFound):  # nothing left in force to release
        desk.release("m1", "hold_settlement", SUP, "again")


def test_the_hold_ends_at_its_expiry(rt: Runtime, clock: FixedClock) -> None:
    _ring(rt)
    clock.advance(timedelta(days=20))
    assert _payout(rt, at=T0 + timedelta(days=13)).outcome is Outcome.REVIEW
    late = _payout(rt, at=T0 + timedelta(days=15))  # the policy holds for 14 days
    assert late.outcome is Outcome.APPROVE


def test_a_confirmed_hold_outlives_its_expiry(rt: Runtime, clock: FixedClock) -> None:
    _ring(rt)
    assert rt.merchants is not None
    rt.merchants.confirm("m1", "hold_settlement", SUP, "owner admitted paying buyers back")
    clock.advance(timedelta(days=40))
    assert _payout(rt, at=T0 + timedelta(days=30)).outcome is Outcome.REVIEW


def test_release_over_http_needs_a_reason_and_is_listed(rt: Runtime) -> None:
    from fastapi.testclient import TestClient

    from riskline.api import create_app

    _ring(rt)
    client = TestClient(create_app(rt), raise_server_exceptions=False)
    h = {"Authorization": f"Bearer {rt.keys.create('ann', 'analyst')[1]}"}
    listed = client.get("/v1/merchants/m1/restrictions", headers=h).json()["restrictions"]
    assert [(r["kind"], r["state"]) for r in listed] == [("hold_settlement", "active")]
    assert listed[0]["reason_codes"] == ["MERCHANT_CASH_OUT_LOOP"] and listed[0]["case_id"]
    url = "/v1/merchants/m1/release"
    assert client.post(url, json={"why": ""}, headers=h).status_code == 422
    assert client.post(url, json={"why": "ok"}).status_code == 401
    done = client.post(url, json={"why": "receipts match"}, headers=h)
    assert done.status_code == 200, done.text
    assert done.json()["restrictions"][0]["state"] == "released"
    assert _payout(rt).outcome is Outcome.APPROVE


def test_a_repeat_buyer_at_a_held_merchant_is_declined_a_first_buyer_is_not(rt: Runtime) -> None:
    """Policy check ``repeat_buyer_at_cash_out_merchant``: once m1's settlement is held for
    two cash-out loops, buyer 3 (who paid m1 before) coming back with a small purchase on
    credit is declined; a new buyer's first purchase there and buyer 3 paying by bank card
    are left to the other checks (not declined); nothing on buyer 3's lines is frozen."""
    _ring(rt)
    again = decide(rt, wire("payment", account_id="b3", merchant_id="m1", amount="60.00"))[0]
    assert again.outcome is Outcome.DECLINE
    assert "CASH_OUT_MERCHANT" in again.reason_codes
    assert not [a for a in again.actions if a.kind is ActionKind.FREEZE]

    card = decide(
        rt,
        wire("payment", account_id="b3", merchant_id="m1", amount="60.00", funding="bank_card"),
    )[0]
    assert card.outcome is Outcome.APPROVE

    decide(rt, *_buyer(4, "50.00", None)[:2])  # a new buyer opens an account
    first = decide(rt, wire("payment", account_id="b4", merchant_id="m1", amount="60.00"))[0]
    assert first.outcome is not Outcome.DECLINE, first.reason_codes
    assert "CASH_OUT_MERCHANT" not in first.reason_codes
