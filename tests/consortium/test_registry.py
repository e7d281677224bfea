"""Filing rules (four-eyes, reasons, evidence), disputes, expiry, and no clear identifiers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from riskline.consortium import ConsortiumHasher, DisputeState, Reason
from riskline.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from riskline.events.pii import PiiHasher
from tests.consortium.conftest import CONSORTIUM_KEY, FakeOutcome, Harness, make_node, needs_psi

PHONE = "+86 138-0013-8000"
ID_NUMBER = "110101199003077777"


def test_same_person_same_token_at_every_member_but_not_the_local_digest() -> None:
    a, b = ConsortiumHasher(CONSORTIUM_KEY), ConsortiumHasher(CONSORTIUM_KEY)
    assert a.token("phone", PHONE) == b.token("phone", "+8613800138000")
    assert a.token("id", ID_NUMBER.lower()) == b.token("id", ID_NUMBER)
    local = PiiHasher(CONSORTIUM_KEY).phone(PHONE)
    assert a.token("phone", PHONE) != local  # prefixed: never mistaken for a local digest
    assert ConsortiumHasher(b"another-consortium-key").token("phone", PHONE) != a.token(
        "phone", PHONE
    )


@pytest.mark.parametrize(
    ("outcome", "error"),
    [
        (FakeOutcome(approver="alice"), Forbidden),
        (FakeOutcome(confirmed=False), Forbidden),
        (FakeOutcome(approver=""), Forbidden),
        (FakeOutcome(case_id=""), InvalidInput),
    ],
)
def test_filing_needs_a_confirmed_four_eyes_outcome(
    harness: Harness, outcome: FakeOutcome, error: type[Exception]
) -> None:
    with pytest.raises(error):
        harness.node.registry.file(outcome, {"phone": PHONE}, "cash_out", "case:1")
    assert harness.node.store.publishable(harness.clock.now()) == []


def test_filing_refuses_unknown_reasons_and_evidence_content(harness: Harness) -> None:
    reg = harness.node.registry
    with pytest.raises(InvalidInput, match="unknown reason"):
        reg.file(FakeOutcome(), {"phone": PHONE}, "bad_vibes", "case:1")
    with pytest.raises(InvalidInput, match="evidence"):
        reg.file(FakeOutcome(), {"phone": PHONE}, "cash_out", "called him, he said …")
    with pytest.raises(InvalidInput, match="at least one identifier"):
        reg.file(FakeOutcome(), {}, "cash_out", "case:1")


@needs_psi
def test_no_clear_identifier_reaches_the_database(tmp_path: Path) -> None:
    h = make_node(tmp_path / "n.db")
    h.node.registry.file(
        FakeOutcome(), {"phone": PHONE, "id": ID_NUMBER, "device": "dev-77"}, "cash_out", "case:1"
    )
    h.node.publisher.publish("blacklist")
    h.node.store.engine.dispose()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for clear in (b"13800138000", ID_NUMBER.encode(), b"dev-77"):
        assert clear not in raw


def test_dispute_takes_entries_out_until_reviewed(harness: Harness) -> None:
    reg, now = harness.node.registry, harness.clock.now
    filed = reg.file(FakeOutcome(), {"phone": PHONE, "id": ID_NUMBER}, Reason.CASH_OUT, "case:1")
    opened = reg.dispute({"phone": "+8613800138000"})
    assert [e.dispute for e in opened] == [DisputeState.OPEN]
    assert {e.token for e in harness.node.store.publishable(now())} == {filed[1].token}
    upheld = reg.review(opened[0].entry_id, uphold=True)
    assert upheld.dispute is DisputeState.UPHELD
    assert len(harness.node.store.publishable(now())) == 2
    with pytest.raises(IllegalTransition):
        reg.review(opened[0].entry_id, uphold=False)
    with pytest.raises(NotFound):
        reg.dispute({"phone": PHONE})  # upheld: not disputable again


def test_withdrawn_and_expired_entries_are_purged(harness: Harness) -> None:
    reg = harness.node.registry
    reg.file(FakeOutcome(), {"phone": PHONE}, "cash_out", "case:1", ttl=timedelta(days=1))
    kept = reg.file(FakeOutcome(case_id="c2"), {"id": ID_NUMBER}, "identity_fraud", "case:2")
    withdrawn = reg.file(FakeOutcome(case_id="c3"), {"device": "d-1"}, "cash_out", "case:3")
    reg.review(reg.dispute({"device": "d-1"})[0].entry_id, uphold=False)
    harness.clock.advance(timedelta(days=1))
    assert [e.token for e in harness.node.store.publishable(harness.clock.now())] == [kept[0].token]
    assert reg.purge() == 2
    assert harness.node.store.by_tokens([withdrawn[0].token]) == []
