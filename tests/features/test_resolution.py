"""Entity resolution is feature state: accounts link to persons/phones/IDs, merchants to cards."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from riskline.events import types as t
from riskline.features import Catalog, OnlineFeatures
from riskline.features.codegen import update_source
from riskline.features.compiler import compile_catalog

from .small import T0

CAT = Catalog.from_yaml("""
features:
  - {name: person.spend_1d, aggregate: sum, value: amount, events: [payment], window: 24h,
     description: spend by all the person's accounts}
  - {name: phone.payments_1d, aggregate: count, events: [payment], window: 24h, description: p}
  - {name: card.sales_1d, aggregate: count, events: [payment], window: 24h, description: c}
  - {name: merchant.sales_1d, aggregate: count, events: [payment], window: 24h, description: m}
  - {name: account_merchant.n, aggregate: count, events: [payment], description: pair}
""")


def _opened(acc: str, person: str, phone: str) -> t.AccountOpened:
    return t.AccountOpened(
        event_id=f"o-{acc}",
        occurred_at=T0,
        account_id=acc,
        person_id=person,
        phone_hash=phone,
        id_hash="id-" + person,
    )


def _pay(i: int, acc: str, amount: str) -> t.Payment:
    return t.Payment(
        event_id=f"p{i}",
        occurred_at=T0 + timedelta(minutes=i),
        account_id=acc,
        merchant_id="m1",
        amount=Decimal(amount),
    )


def test_payments_reach_the_person_phone_and_payout_card() -> None:
    online = OnlineFeatures(CAT)
    online.process(_opened("a1", "p1", "ph1"))
    online.process(_opened("a2", "p1", "ph2"))
    online.process(
        t.MerchantRegistered(
            event_id="r",
            occurred_at=T0,
            merchant_id="m1",
            owner_person_id="p9",
            category="x",
            card_hash="c1",
        )
    )
    online.process(_pay(1, "a1", "10.00"))
    out = online.process(_pay(2, "a2", "5.50"))
    assert out["person.spend_1d"] == 15.5  # both accounts belong to p1
    assert out["phone.payments_1d"] == 1.0  # a2's phone only
    assert out["card.sales_1d"] == 2.0  # m1 pays out to c1
    assert out["account_merchant.n"] == 1.0 and out["merchant.sales_1d"] == 2.0
    stranger = online.process(_pay(3, "a3", "1.00"))  # never opened: no person, no phone
    assert "person.spend_1d" not in stranger and "phone.payments_1d" not in stranger


def test_filter_values_never_become_source_text() -> None:
    hostile = "x'); import os  # "
    cat = Catalog.from_yaml(
        "features:\n  - {name: account.n, aggregate: count, events: [login], "
        f'where: {{geo: "{hostile}"}}, description: d}}'
    )
    text, scope = update_source(compile_catalog(cat)["account"], "login")
    assert hostile not in text
    assert frozenset({hostile}) in scope.values()
