"""Model signals in decisions: scores recorded, checks read them, reasons from contributions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.decisioning import ModelSignals, Outcome
from riskline.events import Product, parse_event
from riskline.runtime import build_runtime, load_models
from riskline.scoring import GbdtModel, ModelRegistry
from tests.conftest import ScriptedFeatures
from tests.factories import wire


@dataclass(frozen=True)
class _Reason:
    code: str
    text: str


@dataclass(frozen=True)
class _Contribution:
    feature: str
    value: float
    contribution: float
    reason: _Reason


class FixedModel:
    """A fake fraud model: a fixed probability and one contribution."""

    features_ = ("account.payments_1d",)

    def __init__(self, p: float) -> None:
        self.p = p

    def score_row(self, row: Mapping[str, float]) -> float:
        return self.p

    def explain(self, row: Mapping[str, float], top_k: int = 3) -> list[_Contribution]:
        return [
            _Contribution(
                "account.payments_1d", 9.0, 1.5, _Reason("MANY_PAYMENTS", "Many payments today.")
            )
        ]


@pytest.mark.parametrize(("p", "outcome"), [(0.95, Outcome.REVIEW), (0.2, Outcome.APPROVE)])
def test_fraud_score_drives_the_policy(
    settings: Settings, clock: FixedClock, p: float, outcome: Outcome
) -> None:
    rt = build_runtime(
        settings,
        clock=clock,
        features=ScriptedFeatures(),
        models=ModelSignals(FixedModel(p), FixedModel(0.5)),
    )
    try:
        rt.engine.process(parse_event(wire("account_opened"), rt.hasher))
        d = rt.engine.process(parse_event(wire("payment", amount="10.00"), rt.hasher))
    finally:
        rt.close()
    assert d.outcome is outcome
    assert d.scores["score.fraud"] == p and d.scores["score.fraud_challenger"] == 0.5
    if outcome is Outcome.REVIEW:
        assert d.reason_codes == ("MODEL_FRAUD_RISK", "MANY_PAYMENTS")
        assert d.reasons[1].evidence["account.payments_1d"] == 9.0
    else:
        assert d.reasons == ()


def test_registry_round_trip_into_the_engine(tmp_path: Path, settings: Settings) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 1))
    y = (x[:, 0] + rng.normal(scale=0.5, size=400) > 1.0).astype(float)
    model = GbdtModel(num_boost_round=20).fit(x, y, features=["account.payments_1d"])
    registry = ModelRegistry(tmp_path / "models")
    meta = registry.register(
        "fraud",
        model,
        kind="lightgbm",
        features=["account.payments_1d"],
        data_window=("a", "b"),
        metrics={"auc": 0.9},
    )
    assert load_models(settings.model_copy(update={"model_dir": tmp_path / "models"})).fraud is None
    registry.set_active("fraud", meta.version)
    signals = load_models(settings.model_copy(update={"model_dir": tmp_path / "models"}))
    assert signals.versions == {"model.fraud": "v1"}
    high, low = (
        signals.score({"account.payments_1d": 3.0}),
        signals.score({"account.payments_1d": -3.0}),
    )
    assert high["score.fraud"] > low["score.fraud"]


def test_active_scorecard_sets_the_limit_band(tmp_path: Path, settings: Settings) -> None:
    import polars as pl

    from riskline.scoring import Scorecard

    rng = np.random.default_rng(5)
    inquiries = rng.integers(0, 12, size=2000).astype(float)
    bad = (rng.random(2000) < 0.05 + 0.06 * inquiries).astype(int)
    card = Scorecard().fit(pl.DataFrame({"person.bureau_inquiries_30d": inquiries}), bad)
    registry = ModelRegistry(tmp_path / "models")
    meta = registry.register(
        "scorecard",
        card,
        kind="scorecard",
        features=card.features,
        data_window=("a", "b"),
        metrics={},
    )
    registry.set_active("scorecard", meta.version)
    scored = settings.model_copy(update={"model_dir": tmp_path / "models"})
    features = ScriptedFeatures()
    rt = build_runtime(scored, features=features)
    try:
        good = rt.engine.scorer.score("a", {"person.bureau_inquiries_30d": 0.0})
        poor = rt.engine.scorer.score("a", {"person.bureau_inquiries_30d": 11.0})
        assert good > poor
        opened = parse_event(wire("account_opened"), rt.hasher)
        features.values[opened.event_id] = {"person.bureau_inquiries_30d": 0.0}
        d = rt.engine.process(opened)
        assert d.scores["credit_score"] == pytest.approx(good, rel=1e-9)
        assert d.versions["model.scorecard"] == "v1"
        limit = next(a.limit for a in d.actions if a.kind.value == "open_line")
        assert limit == rt.engine.bands.limit_for(d.scores["credit_score"], Product.REVOLVING)
    finally:
        rt.close()
