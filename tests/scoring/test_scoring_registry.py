"""Model registry: round trip, channels, tamper refusal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from riskline.errors import InvalidInput
from riskline.scoring import AnomalyModel, ArtifactTampered, ModelNotFound, ModelRegistry


class _Clock:
    def now(self) -> datetime:
        return datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _model(seed: int) -> AnomalyModel:
    x = np.random.default_rng(seed).normal(size=(300, 2))
    return AnomalyModel(n_estimators=20, seed=seed).fit(x, features=["a", "b"])


def _register(reg: ModelRegistry, seed: int) -> str:
    meta = reg.register(
        "fraud",
        _model(seed),
        kind="anomaly",
        features=["a", "b"],
        data_window=("2026-01-01", "2026-06-30"),
        metrics={"auc": 0.9},
    )
    return meta.version


def test_round_trip_preserves_model_and_metadata(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path, clock=_Clock())
    version = _register(reg, 1)
    reg.set_active("fraud", version)
    model, meta = reg.load("fraud")
    probe = np.asarray([[0.1, 3.0], [5.0, 5.0]])
    assert isinstance(model, AnomalyModel)
    assert model.score(probe).tolist() == _model(1).score(probe).tolist()
    assert meta.version == "v1"
    assert meta.kind == "anomaly"
    assert meta.features == ("a", "b")
    assert meta.data_window == ("2026-01-01", "2026-06-30")
    assert meta.created_at == "2026-11-28T12:00:00+00:00"
    assert json.loads((tmp_path / "fraud" / "v1" / "meta.json").read_text())["metrics"] == {
        "auc": 0.9
    }
    # A fresh registry object over the same directory sees the same state.
    assert ModelRegistry(tmp_path).load("fraud", "v1")[1] == meta


def test_champion_and_challenger(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path)
    v1, v2 = _register(reg, 1), _register(reg, 2)
    assert (v1, v2) == ("v1", "v2")
    assert reg.versions("fraud") == ["v1", "v2"]
    reg.set_active("fraud", v1)
    reg.set_challenger("fraud", v2)
    assert reg.active("fraud") == "v1"
    assert reg.challenger("fraud") == "v2"
    reg.set_active("fraud", v2)
    reg.set_challenger("fraud", None)
    assert reg.active("fraud") == "v2"
    assert reg.challenger("fraud") is None


def test_tampered_artifact_is_refused(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path)
    version = _register(reg, 1)
    artifact = tmp_path / "fraud" / version / "artifact.pkl"
    blob = bytearray(artifact.read_bytes())
    blob[-2] ^= 0xFF
    artifact.write_bytes(bytes(blob))
    with pytest.raises(ArtifactTampered, match="does not match its registered SHA-256"):
        reg.load("fraud", version)


def test_missing_versions_and_bad_names(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path)
    with pytest.raises(ModelNotFound, match="no active version"):
        reg.active("fraud")
    with pytest.raises(ModelNotFound, match="v9"):
        reg.set_active("fraud", "v9")
    with pytest.raises(InvalidInput, match="invalid model name"):
        reg.load("../etc", "v1")


def test_role_binding_serves_a_model_under_another_name(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path, clock=_Clock())
    own = _register(reg, 1)
    reg.set_active("fraud", own)
    assert reg.serving("fraud") == ("fraud", own)
    other = reg.register(
        "fraud-history",
        _model(2),
        kind="lightgbm",
        features=["a", "b"],
        data_window=("2026-01-01", "2026-06-30"),
        metrics={},
    ).version
    reg.bind_role("fraud", "fraud-history", other)
    assert reg.serving("fraud") == ("fraud-history", other)
    # a later activation of the model named like the role takes the role back
    reg.set_active("fraud", own)
    assert reg.serving("fraud") == ("fraud", own)
    assert reg.roles() == {}


def test_role_binding_refuses_unknown_roles_and_versions(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path, clock=_Clock())
    version = _register(reg, 1)
    with pytest.raises(InvalidInput, match="unknown role 'credit'"):
        reg.bind_role("credit", "fraud", version)
    with pytest.raises(ModelNotFound):
        reg.bind_role("fraud", "fraud", "v9")
    with pytest.raises(ModelNotFound):
        reg.serving("anomaly")
