"""Scorecard: exact points arithmetic, fitted behaviour on generated data."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from riskline.scoring import PointsScale, Scorecard, VariableBins, auc


def test_scale_factor_and_offset_match_hand_computation() -> None:
    s = PointsScale(base_score=600, base_odds=50, pdo=20)
    # factor = 20 / ln 2 = 28.853900817779268; offset = 600 - factor * ln 50
    assert s.factor == pytest.approx(28.853900817779268, abs=1e-12)
    assert s.offset == pytest.approx(600 - 28.853900817779268 * 3.912023005428146, abs=1e-9)
    assert s.offset == pytest.approx(487.1228762045055, abs=1e-9)
    # Doubling the good:bad odds adds exactly one PDO.
    assert s.points(math.log(1 / 100)) - s.points(math.log(1 / 50)) == pytest.approx(20.0)


def _card() -> Scorecard:
    age = VariableBins("age", "numeric", splits=(25.0,), woe=(-0.5, 0.4, 0.0), iv=0.3)
    city = VariableBins(
        "city", "categorical", categories=(("a", "b"), ("c",)), woe=(0.2, -1.0, 0.0), iv=0.1
    )
    # log-odds(bad) = -ln(50) - 1.0 * woe_age - 0.5 * woe_city
    return Scorecard.from_params(PointsScale(600, 50, 20), [age, city], [-1.0, -0.5], -math.log(50))


def test_scorecard_points_hand_computed() -> None:
    card = _card()
    factor = 20 / math.log(2)
    rows = [{"age": 30, "city": "a"}, {"age": 20, "city": "c"}, {"age": None, "city": "zz"}]
    got = card.score(pl.DataFrame(rows))
    # Row 1: woe 0.4 and 0.2 -> log-odds -ln50 - 0.4 - 0.1 -> 600 + 0.5 * factor = 614.4269504
    # Row 2: woe -0.5 and -1.0 -> -ln50 + 0.5 + 0.5 -> 600 - 1.0 * factor = 571.1460992
    # Row 3: missing age, unseen city -> neutral -> exactly the base score 600
    assert got.tolist() == pytest.approx([600 + 0.5 * factor, 600 - factor, 600.0], abs=1e-9)
    assert got[0] == pytest.approx(614.4269504, abs=1e-6)
    assert card.base_points() == pytest.approx(600.0)


def test_points_table_adds_up_to_the_score() -> None:
    card = _card()
    table = {(r.variable, r.bin): r.points for r in card.points_table()}
    assert table[("age", "[25, inf)")] == pytest.approx(0.4 * 20 / math.log(2))
    assert table[("city", "{c}")] == pytest.approx(-0.5 * 20 / math.log(2))
    total = card.base_points() + table[("age", "[25, inf)")] + table[("city", "{c}")]
    assert card.score([{"age": 40, "city": "c"}])[0] == pytest.approx(total)


def _credit_frame(n: int, seed: int) -> tuple[pl.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    util = rng.uniform(0, 1.2, n)
    late = rng.poisson(0.4, n)
    noise = rng.normal(size=n)
    region = rng.choice(["n", "s", "e"], n)
    logit = -2.5 + 2.0 * util + 0.8 * late + np.where(region == "e", 0.7, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pl.DataFrame({"util": util, "late": late, "noise": noise, "region": region}), y


def test_fitted_scorecard_ranks_risk_and_drops_noise() -> None:
    df, y = _credit_frame(4000, 1)
    test, y_test = _credit_frame(2000, 2)
    card = Scorecard(categorical=["region"]).fit(df, y)
    assert card.iv_["util"] > card.iv_["late"] > card.iv_["noise"]
    assert "noise" not in card.features  # IV below the 0.02 cut
    assert "region" in card.features
    # Higher points = safer: AUC of -points against default is well above chance.
    assert auc(y_test, -card.score(test)) > 0.7
    # Monotonic: utilisation bins' WoE never increases as utilisation rises.
    woe = np.asarray(card.bins_["util"].woe[:-1])
    assert np.all(np.diff(woe) <= 1e-9)
    report = card.report(df, y, test, y_test)
    assert report.psi < 0.05  # same generator, stable population
    assert report.test.gini == pytest.approx(2 * report.test.auc - 1)
    assert sum(b["count"] for b in report.bands) == test.height


def test_bins_pickled_before_special_codes_still_score() -> None:
    new = VariableBins("age", "numeric", (-0.5, 0.1, 0.4, 0.0), 0.2, splits=(25.0, 40.0))
    old = object.__new__(VariableBins)
    old.__setstate__(new.__getstate__()[:-1])  # an older pickle: no special_codes slot
    assert old.bin_index([18, 60, float("nan")]).tolist() == [0, 2, 3]
    assert old.labels() == new.labels()
