"""Online == batch for every feature of the default catalog, and both == the reference."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from riskline.bench.synth import generate_history
from riskline.events import PiiHasher, parse_event
from riskline.events.types import Event, Payment
from riskline.features import OnlineFeatures, default_catalog
from riskline.features.batch import compute_batch

from .reference import diff, reference


def _assert_parity(events: list[Event], lateness: timedelta) -> list[dict[str, float]]:
    cat = default_catalog()
    online = OnlineFeatures(cat, lateness=lateness)
    rows = [dict(online.process(e)) for e in events]
    df = compute_batch(cat, events, lateness=lateness)
    assert df.columns == ["event_id", *(d.name for d in cat)]
    assert df["event_id"].to_list() == [e.event_id for e in events]
    for name in cat.schema():
        col = df[name].to_list()
        for i, got in enumerate(col):
            want = rows[i].get(name)
            ok = (want is None and got is None) or (
                want is not None
                and got is not None
                and (got == want or (math.isnan(got) and math.isnan(want)))
            )
            assert ok, (name, events[i].event_id, want, got)
    return rows


def test_online_equals_batch_on_generated_history() -> None:
    events = generate_history(1500, seed=11, n_accounts=80, disorder=0.08)
    rows = _assert_parity(events, timedelta(hours=24))
    touched = {k for r in rows for k, v in r.items() if v == v and v != 0}
    assert touched == set(default_catalog().schema())  # every feature took part


def test_online_equals_batch_and_reference_on_simulated_world() -> None:
    from riskline import sim

    hasher = PiiHasher(b"test-secret")
    wire = itertools.islice(sim.iter_events(sim.WorldConfig.small(persons=300, days=10)), 800)
    events = [parse_event(d, hasher) for d in wire]
    rows = _assert_parity(events, timedelta(hours=24))
    expected = reference(default_catalog(), events, 24 * 3600)
    for e, want, got in zip(events, expected, rows, strict=True):
        assert diff(want, got) == {}, e.event_id


def test_naive_sql_over_sqlite_agrees_with_online() -> None:
    """The benchmark's SQL baseline is an independent implementation of the same semantics."""
    from riskline.bench.naive_features import NaiveSqlFeatures

    events = generate_history(400, seed=21, n_accounts=40, disorder=0.1)
    online = OnlineFeatures(default_catalog())
    naive = NaiveSqlFeatures(default_catalog())
    for e in events:
        assert diff(dict(online.process(e)), naive.process(e)) == {}, e.event_id


def test_payment_labels_online_equals_batch_and_absent_labels_count_nothing() -> None:
    """Channel, merchant category and location features: the same online and in batch; a
    payment without a location adds none (it is not a location of its own)."""
    events = generate_history(1200, seed=5, n_accounts=30, disorder=0.05)
    rows = _assert_parity(events, timedelta(hours=24))
    labeled = ("account.locations_7d", "account.new_locations_1d", "account.categories_7d")
    names = (*labeled, "account.channels_7d")
    seen = {name: {r[name] for r in rows if name in r} for name in names}
    assert all(max(v) >= 2 for v in seen.values()), seen
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    places: list[tuple[str | None, str | None]] = [("L1", None), (None, None), ("L2", "pos")]
    places.append(("L1", None))
    hand: list[Event] = [
        Payment(
            event_id=f"p{i}",
            occurred_at=t0 + timedelta(minutes=i),
            account_id="a1",
            merchant_id="m1",
            amount=Decimal("5.00"),
            location=location,
            channel=channel,
        )
        for i, (location, channel) in enumerate(places)
    ]
    rows = _assert_parity(hand, timedelta(hours=24))
    assert [r["account.locations_7d"] for r in rows] == [1.0, 1.0, 2.0, 2.0]
    assert [r["account.new_locations_1d"] for r in rows] == [1.0, 1.0, 2.0, 2.0]
    assert [r["account.channels_7d"] for r in rows] == [0.0, 0.0, 1.0, 1.0]


def test_a_card_counts_peoples_accounts_not_enterprise_loans_online_and_in_batch() -> None:
    """A group's enterprises drawing their loans to the controller's card are not accounts
    sending money to a mule card; people's drawdowns and transfers to it are."""
    from riskline.events.types import LoanDrawdown, Product, Transfer

    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    flows = [  # (who, enterprise credit, a drawdown (else a transfer), amount) to card c1
        ("E1", True, True, "500000.00"),
        ("E2", True, True, "300000.00"),
        ("a1", False, False, "180.00"),  # the controller sends money to his own card
        ("a2", False, True, "5000.00"),
        ("a3", False, False, "90.00"),
    ]
    hand: list[Event] = []
    for i, (who, enterprise, draw, amount) in enumerate(flows):
        base = {"event_id": f"e{i}", "occurred_at": t0 + timedelta(hours=i), "account_id": who}
        money = Decimal(amount)
        if draw:
            credit = Product.ENTERPRISE_CREDIT if enterprise else Product.CASH_LOAN
            hand.append(LoanDrawdown(**base, product=credit, amount=money, card_hash="c1"))
        else:
            hand.append(Transfer(**base, amount=money, to_card_hash="c1"))
    rows = _assert_parity(hand, timedelta(hours=24))
    assert [r["card.accounts_30d"] for r in rows] == [0.0, 0.0, 1.0, 2.0, 3.0]
    assert [r["card.enterprises_30d"] for r in rows] == [1.0, 2.0, 2.0, 2.0, 2.0]  # apart
    assert rows[1]["card.inflow_7d"] == 800000.0  # the money itself still reaches the card
