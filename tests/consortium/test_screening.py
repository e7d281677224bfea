"""Hits into local lists and consortium features for rules and policy (fakes for peers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from riskline.consortium import (
    Applicant,
    ConsortiumFeatures,
    ConsortiumHasher,
    ListWriter,
    Reason,
    Screener,
    SignalBook,
    applicant,
)
from riskline.events.pii import PiiHasher
from riskline.events.types import AccountOpened, Event, LoanApplication, Product
from riskline.rules import MemoryListStore
from riskline.rules.expression import compile_expression
from tests.consortium.conftest import CONSORTIUM_KEY
from tests.factories import T0

LOCAL = PiiHasher(b"local-pii-secret-0123")
CONS = ConsortiumHasher(CONSORTIUM_KEY)


@dataclass
class FakePeer:
    """A peer with a known blacklist and applicant set (no PSI: screening logic only)."""

    peer: str
    listed: dict[str, str] = field(default_factory=dict)
    applied: set[str] = field(default_factory=set)
    batches: list[int] = field(default_factory=list)

    def query(self, items: Sequence[str]) -> list[tuple[int, str]]:
        self.batches.append(len(items))
        return [(i, self.listed[t]) for i, t in enumerate(items) if t in self.listed]

    def count(self, items: Sequence[str]) -> int:
        return sum(1 for t in items if t in self.applied)


class ZeroFeatures:
    def __init__(self) -> None:
        self.resets = 0

    def process(self, event: Event) -> Mapping[str, float]:
        return {"velocity.x": 1.0}

    def schema(self) -> Mapping[str, str]:
        return {"velocity.x": "number"}

    def reset(self) -> None:
        self.resets += 1


def _people() -> list[Applicant]:
    return [
        applicant(
            "app-1",
            {"phone": "+8613900000001", "id": "110101199003071111"},
            CONS,
            LOCAL,
            extra={"account": "acc-1"},
        ),
        applicant("app-2", {"phone": "+8613900000002", "device": "dev-9"}, CONS, LOCAL),
    ]


def test_hits_land_on_the_local_list_under_local_ids_with_source_and_expiry() -> None:
    people = _people()
    b = FakePeer("bank-b", {CONS.token("id", "110101199003071111"): "identity_fraud"})
    c = FakePeer("bank-c", {CONS.token("device", "dev-9"): "cash_out"})
    hits = Screener([b, c], max_batch=3).hits(people)
    assert {(h.ref, h.kind, h.member, h.reason) for h in hits} == {
        ("app-1", "id", "bank-b", Reason.IDENTITY_FRAUD),
        ("app-2", "device", "bank-c", Reason.CASH_OUT),
    }
    assert b.batches == [3, 1]  # 4 distinct tokens in batches of at most 3
    lists = MemoryListStore()
    writer = ListWriter(lists, ttl=timedelta(days=7), list_for={"identity_fraud": "block"})
    assert writer.write(hits, people, T0) == 2
    local_id = LOCAL.id_number("110101199003071111")
    blocked = lists.get("block", "id", local_id)
    assert blocked is not None and blocked.source == "consortium:bank-b"
    assert blocked.expires_at == T0 + timedelta(days=7)
    assert lists.get("watch", "device", "dev-9") is not None
    # The rule DSL sees it as it sees any list entry, keyed by the event's own (local) id.
    rule = compile_expression('in_list("block", "id", e.id_id)', {"e.id_id": "string"})
    assert rule({"e.id_id": local_id}, lists=lists, now=T0) is True
    assert rule({"e.id_id": local_id}, lists=lists, now=T0 + timedelta(days=8)) is False


def test_lenders_counts_peers_that_saw_the_person() -> None:
    people = _people()
    phone = CONS.token("phone", "+8613900000001")
    peers = [FakePeer("b", applied={phone}), FakePeer("c", applied={phone}), FakePeer("d")]
    assert Screener(peers).lenders(people[0]) == 2
    assert Screener(peers).lenders(people[1]) == 0


def test_features_expose_the_signal_known_at_the_event_time() -> None:
    people = _people()
    book = SignalBook(max_age=timedelta(days=30))
    book.record(people[0], {"consortium.lenders_30d": 3.0, "consortium.hits": 1.0}, T0)
    inner = ZeroFeatures()
    feats = ConsortiumFeatures(inner, book)
    assert feats.schema()["consortium.lenders_30d"] == "number"

    def apply(at_days: float) -> Mapping[str, float]:
        e = LoanApplication(
            event_id="e",
            occurred_at=T0 + timedelta(days=at_days),
            account_id="acc-1",
            product=Product.REVOLVING,
            amount=Decimal(1),
        )
        return feats.process(e)

    assert apply(1)["consortium.lenders_30d"] == 3.0
    assert "consortium.lenders_30d" not in apply(-1)  # not known yet (replays agree)
    assert "consortium.lenders_30d" not in apply(31)  # too old to trust
    opened = AccountOpened(
        event_id="o",
        occurred_at=T0 + timedelta(hours=1),
        account_id="zz",
        person_id="p",
        phone_hash=LOCAL.phone("+8613900000001"),
        id_hash="id_x",
    )
    assert feats.process(opened)["consortium.hits"] == 1.0
    feats.reset()
    assert inner.resets == 1 and apply(1)["consortium.lenders_30d"] == 3.0
