"""The batch definition of delayed-label entity risk, on hand-computed cases and a brute force."""

from __future__ import annotations

import random

import pytest

from riskline.errors import InvalidInput
from riskline.features.entity_risk import (
    ENTITY_RISK_FEATURES,
    default_known_ts,
    entity_risk_batch,
    entity_risk_names,
)

DAY = 86400.0


def _row(df, i):  # type: ignore[no-untyped-def]
    return df.row(i, named=True)


def test_names_and_shape() -> None:
    assert len(ENTITY_RISK_FEATURES) == 27
    assert ENTITY_RISK_FEATURES[:3] == (
        "risk.payee.n_1d",
        "risk.payee.fraud_1d",
        "risk.payee.rate_1d",
    )
    assert "risk.device.rate_30d" in ENTITY_RISK_FEATURES
    out = entity_risk_batch([("x", 0.0, "p", "m", "d")], {})
    assert out.columns == ["event_id", *ENTITY_RISK_FEATURES]
    assert out.height == 1


def test_window_edges_are_lower_in_upper_out() -> None:
    """D = 7, W = 1: a payment at t counts payments in [t - 8 d, t - 7 d)."""
    t = 100 * DAY
    pays = [
        ("lo", t - 8 * DAY, "a", "m", None),  # exactly the lower bound: in
        ("before", t - 8 * DAY - 1, "b", "m", None),  # one second too old: out
        ("hi", t - 7 * DAY, "c", "m", None),  # exactly the upper bound: out
        ("mid", t - 7.5 * DAY, "d", "m", None),  # in
        ("q", t, "e", "m", None),
    ]
    labels = {e: (True, default_known_ts(ts)) for e, ts, *_ in pays[:4]}
    out = entity_risk_batch(pays, labels, windows_days=(1,))
    q = _row(out, 4)
    assert q["risk.payee.n_1d"] == 2.0
    assert q["risk.payee.fraud_1d"] == 2.0
    assert q["risk.payee.rate_1d"] == 1.0
    # the payer of q has no history: n = 0 gives rate 0.0, not null
    assert (q["risk.payer.n_1d"], q["risk.payer.rate_1d"]) == (0.0, 0.0)


def test_recent_payments_are_not_counted_before_the_delay() -> None:
    """A fraud 3 days old is invisible with D = 7, visible with D = 2."""
    t = 50 * DAY
    pays = [("f", t - 3 * DAY, "a", "m", None), ("q", t, "b", "m", None)]
    labels = {"f": (True, t - 3 * DAY)}  # even a label known at once
    slow = _row(entity_risk_batch(pays, labels, windows_days=(7,)), 1)
    fast = _row(entity_risk_batch(pays, labels, delay_days=2, windows_days=(7,)), 1)
    assert slow["risk.payee.n_7d"] == 0.0
    assert (fast["risk.payee.n_7d"], fast["risk.payee.fraud_7d"]) == (1.0, 1.0)


def test_label_known_after_t_counts_in_n_only() -> None:
    t = 40 * DAY
    pays = [
        ("early", t - 10 * DAY, "a", "m", None),
        ("late", t - 9 * DAY, "a", "m", None),
        ("q", t, "a", "m", None),
        ("q2", t + 5 * DAY, "a", "m", None),
    ]
    labels = {"early": (True, t), "late": (True, t + 1), "q": (False, t)}
    out = entity_risk_batch(pays, labels, windows_days=(30,))
    q, q2 = _row(out, 2), _row(out, 3)
    # known at t exactly counts (<=); known one second after t does not
    assert (q["risk.payee.n_30d"], q["risk.payee.fraud_30d"]) == (2.0, 1.0)
    assert q["risk.payee.rate_30d"] == 0.5
    assert (q["risk.payer.n_30d"], q["risk.payer.fraud_30d"]) == (2.0, 1.0)
    # later, both labels are known; q itself is not yet 7 days old at q2 (t + 5 d)
    assert (q2["risk.payee.n_30d"], q2["risk.payee.fraud_30d"]) == (2.0, 2.0)


def test_genuine_and_unlabeled_payments_count_in_n_only() -> None:
    t = 30 * DAY
    pays = [
        ("g", t - 8 * DAY, "a", "m", "dev"),
        ("u", t - 9 * DAY, "b", "m", "dev"),
        ("f", t - 10 * DAY, "c", "m", "dev"),
        ("q", t, "d", "m", "dev"),
    ]
    labels = {"g": (False, t - DAY), "f": (True, t - 3 * DAY)}
    q = _row(entity_risk_batch(pays, labels, windows_days=(7,)), 3)
    assert (q["risk.device.n_7d"], q["risk.device.fraud_7d"]) == (3.0, 1.0)
    assert q["risk.device.rate_7d"] == pytest.approx(1 / 3)


def test_missing_device_gives_null_and_counts_for_no_device() -> None:
    t = 30 * DAY
    pays = [
        ("a", t - 10 * DAY, "p", "m", None),
        ("b", t - 10 * DAY, "p", "m", "dev"),
        ("q", t, "p", "m", "dev"),
        ("r", t, "p", "m", None),
    ]
    out = entity_risk_batch(pays, {"a": (True, 0.0)}, windows_days=(7,))
    q, r = _row(out, 2), _row(out, 3)
    assert (q["risk.device.n_7d"], q["risk.device.fraud_7d"]) == (1.0, 0.0)
    assert r["risk.device.n_7d"] is None and r["risk.device.rate_7d"] is None
    assert (r["risk.payer.n_7d"], r["risk.payer.fraud_7d"]) == (2.0, 1.0)


def test_entities_do_not_mix_and_input_order_is_kept() -> None:
    t = 20 * DAY
    pays = [
        ("q1", t, "p1", "m1", None),
        ("f2", t - 9 * DAY, "p2", "m2", None),
        ("q2", t, "p2", "m2", None),
        ("f1", t - 9 * DAY, "p1", "m1", None),
    ]
    labels = {"f2": (True, 0.0)}
    out = entity_risk_batch(pays, labels, windows_days=(7,))
    assert out["event_id"].to_list() == ["q1", "f2", "q2", "f1"]
    assert out["risk.payee.fraud_7d"].to_list() == [0.0, 0.0, 1.0, 0.0]
    assert out["risk.payee.n_7d"].to_list() == [1.0, 0.0, 1.0, 0.0]


def _brute(pays, labels, delay, windows):  # type: ignore[no-untyped-def]
    rows = []
    for _eid, t, payer, payee, device in pays:
        row: list[float | None] = []
        for pos, e in ((3, payee), (2, payer), (4, device)):
            for w in windows:
                if e is None:
                    row += [None, None, None]
                    continue
                lo, hi = t - (delay + w) * DAY, t - delay * DAY
                hits = [p for p in pays if p[pos] == e and lo <= p[1] < hi]
                n = len(hits)
                f = sum(
                    1 for p in hits if p[0] in labels and labels[p[0]][0] and labels[p[0]][1] <= t
                )
                row += [float(n), float(f), f / n if n else 0.0]
        rows.append(tuple(row))
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_a_brute_force_reading_of_the_definition(seed: int) -> None:
    rng = random.Random(seed)
    pays = []
    for i in range(150):
        ts = float(rng.randrange(0, 60)) * DAY / 2 + rng.choice([0.0, 0.5, 3600.0])
        dev = rng.choice([None, "d1", "d2", "d3"])
        pays.append((f"e{i}", ts, rng.choice("abcde"), rng.choice("mno"), dev))
    labels = {}
    for eid, ts, *_ in pays:
        if rng.random() < 0.5:
            labels[eid] = (rng.random() < 0.4, ts + rng.choice([0.0, 3.0, 7.0, 20.0]) * DAY)
    delay, windows = rng.choice([0.0, 3.0, 7.0]), (1, 7, 30)
    out = entity_risk_batch(pays, labels, delay_days=delay, windows_days=windows)
    assert out.select(entity_risk_names(windows)).rows() == _brute(pays, labels, delay, windows)


@pytest.mark.parametrize(
    ("delay", "windows"), [(-1.0, (1,)), (7.0, ()), (7.0, (0,)), (7.0, (1, 1.0))]
)
def test_bad_parameters_are_refused(delay: float, windows: tuple[float, ...]) -> None:
    with pytest.raises(InvalidInput):
        entity_risk_batch([("a", 0.0, "p", "m", None)], {}, delay_days=delay, windows_days=windows)
