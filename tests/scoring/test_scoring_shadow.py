"""Champion / challenger scoring over a registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from riskline.errors import InvalidInput
from riskline.scoring import AnomalyModel, GbdtModel, ModelRegistry
from riskline.scoring.shadow import ChampionChallenger


def _gbdt(seed: int, rounds: int) -> GbdtModel:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(800, 2))
    y = (x[:, 0] + rng.normal(size=800) > 1).astype(int)
    params = {"objective": "binary", "verbose": -1, "num_threads": 1}
    return GbdtModel(params, num_boost_round=rounds).fit(x, y, features=["a", "b"])


def _put(reg: ModelRegistry, model: object) -> str:
    meta = reg.register(
        "fraud", model, kind="gbdt", features=["a", "b"], data_window=("0", "1"), metrics={}
    )
    return meta.version


def test_challenger_scores_in_shadow_and_follows_the_registry(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path)
    champ, chall = _gbdt(1, 20), _gbdt(2, 40)
    v1, v2 = _put(reg, champ), _put(reg, chall)
    reg.set_active("fraud", v1)
    cc = ChampionChallenger(reg, "fraud")
    row = [1.5, 0.0]
    alone = cc.score(row)
    assert alone.champion == pytest.approx(champ.score_row(row))
    assert alone.challenger is None
    reg.set_challenger("fraud", v2)
    cc.reload()
    both = cc.score(row)
    assert (both.champion_version, both.challenger_version) == (v1, v2)
    assert both.champion == pytest.approx(champ.score_row(row))
    assert both.challenger == pytest.approx(chall.score_row(row))


def test_model_without_single_row_scoring_is_refused(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path)
    anomaly = AnomalyModel(n_estimators=10).fit(np.zeros((20, 2)), features=["a", "b"])
    reg.set_active("fraud", _put(reg, anomaly))
    with pytest.raises(InvalidInput, match="cannot score single rows"):
        ChampionChallenger(reg, "fraud")
