"""Online delayed-label entity risk gives, payment by payment, the batch definition's values.

The batch side is ``riskline.features.entity_risk.entity_risk_batch`` when it is installed
(the training path's), else the definition written out plainly in :func:`_reference`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from riskline.events import Payment
from riskline.features.entity_risk_online import (
    EntityRisk,
    EntityRiskFeatures,
    FraudLabel,
    risk_feature_names,
)

DAY = 86_400.0
T0 = datetime(2026, 3, 1, tzinfo=UTC)
Row = tuple[str, float, str, str, str | None]


def _reference(
    payments: Sequence[Row],
    labels: Mapping[str, tuple[bool, float]],
    delay_days: float,
    windows: Sequence[int],
) -> dict[str, dict[str, float | None]]:
    """The definition, one payment at a time, no cleverness."""
    out: dict[str, dict[str, float | None]] = {}
    for eid, t, payer, payee, device in payments:
        row: dict[str, float | None] = {}
        for col, kind, key in ((3, "payee", payee), (2, "payer", payer), (4, "device", device)):
            for w in windows:
                lo, hi = t - (delay_days + w) * DAY, t - delay_days * DAY
                if key is None:
                    n = fraud = rate = None
                else:
                    inside = [p for p in payments if p[col] == key]
                    inside = [p for p in inside if lo <= p[1] < hi]
                    n = float(len(inside))
                    known = [labels.get(p[0]) for p in inside]
                    fraud = float(sum(1 for k in known if k and k[0] and k[1] <= t))
                    rate = fraud / n if n else 0.0
                row |= {f"risk.{kind}.n_{w}d": n, f"risk.{kind}.fraud_{w}d": fraud}
                row[f"risk.{kind}.rate_{w}d"] = rate
        out[eid] = row
    return out


def _batch(
    payments: Sequence[Row],
    labels: Mapping[str, tuple[bool, float]],
    delay_days: float,
    windows: Sequence[int],
) -> dict[str, dict[str, float | None]]:
    try:
        from riskline.features.entity_risk import entity_risk_batch  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return _reference(payments, labels, delay_days, windows)
    frame = entity_risk_batch(payments, labels, delay_days=delay_days, windows_days=windows)
    return {r.pop("event_id"): r for r in frame.iter_rows(named=True)}


def _history(
    seed: int, n: int = 400, days: int = 70
) -> tuple[list[Row], dict[str, tuple[bool, float]]]:
    """Payments of 25 payers at 6 payees on 5 devices (a third without one), in time order
    with whole-second times (some equal, some exactly ``D`` apart); labels for about half,
    known 0-20 days after the payment, fraud concentrated at two payees."""
    rng = random.Random(seed)
    times = sorted(rng.randrange(0, days * 86_400) for _ in range(n))
    times[10] = times[9]  # equal times
    times[40] = times[20] + 7 * 86_400  # exactly on a window edge
    times.sort()
    payments: list[Row] = []
    labels: dict[str, tuple[bool, float]] = {}
    for i, t in enumerate(times):
        payee = f"m{rng.randrange(6)}"
        device = f"d{rng.randrange(5)}" if rng.random() < 0.66 else None
        eid = f"p{i}"
        ts = T0.timestamp() + t
        payments.append((eid, ts, f"a{rng.randrange(25)}", payee, device))
        if rng.random() < 0.5:
            fraud = rng.random() < (0.6 if payee in ("m0", "m1") else 0.05)
            labels[eid] = (fraud, ts + rng.choice([0, 3600, 2 * DAY, 7 * DAY, 20 * DAY]))
    return payments, labels


def _payment(row: Row) -> Payment:
    eid, ts, payer, payee, device = row
    return Payment(
        event_id=eid,
        occurred_at=datetime.fromtimestamp(ts, UTC),
        account_id=payer,
        merchant_id=payee,
        amount=Decimal("10.00"),
        device_id=device,
    )


def _online(
    payments: Sequence[Row],
    labels: Mapping[str, tuple[bool, float]],
    risk: EntityRisk,
) -> dict[str, dict[str, float]]:
    """Decide payments one by one; each label reaches the engine when it becomes known."""
    pending = sorted(labels.items(), key=lambda kv: kv[1][1])
    out = {}
    for row in payments:
        while pending and pending[0][1][1] <= row[1]:
            eid, (fraud, known) = pending.pop(0)
            risk.label(FraudLabel(eid, fraud, known))
        out[row[0]] = risk.observe(_payment(row))
    return out


def _same(online: dict[str, float], batch: Mapping[str, float | None]) -> bool:
    expected = {k: v for k, v in batch.items() if v is not None}
    return online == expected


@pytest.mark.parametrize(("seed", "delay", "windows"), [(1, 7.0, (1, 7, 30)), (2, 2.0, (1, 3))])
def test_online_values_equal_the_batch_definition(
    seed: int, delay: float, windows: tuple[int, ...]
) -> None:
    payments, labels = _history(seed)
    online = _online(payments, labels, EntityRisk(delay, windows))
    batch = _batch(payments, labels, delay, windows)
    wrong = [eid for eid, _, *_ in payments if not _same(online[eid], batch[eid])]
    assert not wrong, (wrong[:3], online[wrong[0]], batch[wrong[0]])
    # the history exercises what it must: frauds counted, and rates strictly between 0 and 1
    rates = [v for r in online.values() for k, v in r.items() if k.startswith("risk.payee.rate")]
    assert any(0 < r < 1 for r in rates)
    assert max(r[f"risk.payee.fraud_{windows[-1]}d"] for r in online.values()) >= 3
    assert any("risk.device.n_1d" not in r for r in online.values())  # payments without device


def test_a_label_counts_only_from_when_it_is_known() -> None:
    risk = EntityRisk(7, (7,))
    t = T0.timestamp()
    risk.observe(_payment(("p0", t, "a", "shop", None)))
    risk.label(FraudLabel("p0", True, t + 10 * DAY))
    before = risk.observe(_payment(("p1", t + 9 * DAY, "b", "shop", None)))
    after = risk.observe(_payment(("p2", t + 10 * DAY, "c", "shop", None)))
    assert before["risk.payee.n_7d"] == after["risk.payee.n_7d"] == 1.0
    assert (before["risk.payee.fraud_7d"], after["risk.payee.fraud_7d"]) == (0.0, 1.0)
    assert "risk.device.n_7d" not in after


def test_replay_of_ledger_and_labels_after_a_restart_gives_the_same_state() -> None:
    payments, labels = _history(3)
    half = len(payments) // 2
    live = EntityRisk()
    first = _online(payments, labels, live)
    # restart at the middle: replay the first half and every label known by then, any order
    cut = payments[half][1]
    known = {k: v for k, v in labels.items() if v[1] <= cut}
    fresh = EntityRisk()
    fresh.label_all(FraudLabel(k, f, at) for k, (f, at) in known.items())
    for row in payments[:half]:
        fresh.observe(_payment(row))
    rest = _online(payments[half:], labels, fresh)
    assert all(rest[r[0]] == first[r[0]] for r in payments[half:])


class _Labels:
    """A label source fake: the store's labels, read after a cursor (list position)."""

    def __init__(self) -> None:
        self.rows: list[FraudLabel] = []

    def read(self, after: object | None) -> tuple[list[FraudLabel], object | None]:
        start = after if isinstance(after, int) else 0
        return self.rows[start:], len(self.rows)


class _NoFeatures:
    def process(self, event: object) -> dict[str, float]:
        return {"account.payments_1d": 1.0}

    def schema(self) -> dict[str, str]:
        return {"account.payments_1d": "number"}

    def reset(self) -> None:
        pass


def test_the_feature_source_reads_labels_and_a_reset_reads_them_all_again() -> None:
    source = _Labels()
    feats = EntityRiskFeatures(
        _NoFeatures(), source, delay_days=1, windows_days=(1,), refresh_s=3600
    )
    t = T0.timestamp()
    assert set(feats.schema()) == {"account.payments_1d", *risk_feature_names((1,))}
    feats.process(_payment(("p0", t, "a", "shop", "d")))
    source.rows.append(FraudLabel("p0", True, t + 60))
    early = feats.process(_payment(("p1", t + 1.5 * DAY, "b", "shop", None)))
    assert early["risk.payee.fraud_1d"] == 0.0  # not read yet (refresh is an hour away)
    assert feats.sync() == 1
    later = feats.process(_payment(("p2", t + 1.5 * DAY, "c", "shop", None)))
    assert (later["risk.payee.fraud_1d"], later["account.payments_1d"]) == (1.0, 1.0)
    feats.reset()  # the rebuild replays the ledger: labels are all read again
    feats.process(_payment(("p0", t, "a", "shop", "d")))
    again = feats.process(_payment(("p2", t + 1.5 * DAY, "c", "shop", None)))
    assert again == later


def test_memory_is_bounded_by_the_delay_plus_the_longest_window() -> None:
    risk = EntityRisk(7, (1, 7, 30))
    t = T0.timestamp()
    for i in range(15_000):  # one payment an hour for 625 days, 200 payees
        risk.observe(_payment((f"p{i}", t + i * 3600, f"a{i % 50}", f"m{i % 200}", None)))
        if i % 10 == 0:
            risk.label(FraudLabel(f"p{i}", True, t + i * 3600 + 60))
    horizon_payments = 37 * 24 + 24  # within D + 30 days, plus up to one sweep period's slack
    assert len(risk.payments) <= horizon_payments + 10_000
    risk.sweep()
    assert len(risk.payments) <= horizon_payments
    assert len(risk.labels) <= horizon_payments // 10 + 1
    assert sum(len(tr.times) for tr in risk.tracks.values()) <= 2 * horizon_payments


def test_the_online_names_are_the_batch_names() -> None:
    batch = pytest.importorskip("riskline.features.entity_risk")  # the training path's module
    assert risk_feature_names() == batch.ENTITY_RISK_FEATURES
