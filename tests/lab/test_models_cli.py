"""``riskline models list|show|activate|report`` on a registry holding lab-trained models."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from riskline.cli import app
from riskline.lab import LabRun
from riskline.lab.report import publish
from riskline.scoring import GbdtModel, ModelRegistry
from tests.lab.lab_runs import FEATURES, lab_run


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LabRun]:
    """A registry with a published lab scorecard and a (never fitted) fraud model, built once."""
    root = tmp_path_factory.mktemp("registry")
    run = lab_run(root)
    publish(run)
    ModelRegistry(root).register(
        "fraud",
        GbdtModel(),
        kind="lightgbm",
        features=("amount",),
        data_window=("a", "b"),
        metrics={"auc": 0.9},
    )
    return root, run


@pytest.fixture
def registry(built: tuple[Path, LabRun], tmp_path: Path) -> tuple[Path, LabRun]:
    """A fresh copy of the built registry for each test (activations change it)."""
    root, run = built
    copy = tmp_path / "registry"
    shutil.copytree(root, copy)
    return copy, dataclasses.replace(run, model_dir=copy / run.name / run.version)


def _run(root: Path, *args: str) -> tuple[int, str]:
    env = {"RISKLINE_MODEL_DIR": str(root), "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["models", *args], env=env)
    return result.exit_code, result.output


def _line(out: str, *words: str) -> str:
    return next(line for line in out.splitlines() if all(w in line for w in words))


def test_list_shows_every_version_with_its_auc_and_status(
    registry: tuple[Path, LabRun],
) -> None:
    root, run = registry
    ModelRegistry(root).set_active("fraud", "v1")
    code, out = _run(root, "list")
    assert code == 0, out
    credit = _line(out, "credit", "v1")
    assert "scorecard" in credit and f"{run.metrics['auc']:.4f}" in credit
    assert "active" not in credit  # trained, not activated
    fraud = _line(out, "fraud", "v1")
    assert "active" in fraud and "serves fraud" in fraud and "0.9000" in fraud


def test_list_on_an_empty_registry_says_how_to_train(tmp_path: Path) -> None:
    code, out = _run(tmp_path / "none", "list")
    assert code == 0 and "no models in" in out and "riskline train scorecard" in out


def test_show_prints_counts_as_integers_features_and_report(
    registry: tuple[Path, LabRun],
) -> None:
    root, run = registry
    code, out = _run(root, "show", "credit")
    assert code == 0, out
    assert _line(out, "positives").split()[-2] == str(int(run.y_test.sum()))
    assert _line(out, " n ").split()[-2] == str(run.y_test.size)
    assert "300.0000" not in out and ".0000 │" not in _line(out, "positives")
    assert all(f in out for f in FEATURES)
    assert str(run.model_dir / "report" / "index.html") in out.replace("\n", "")


def test_report_prints_the_path_or_names_why_there_is_none(
    registry: tuple[Path, LabRun],
) -> None:
    root, run = registry
    code, out = _run(root, "report", "credit", "v1")
    assert code == 0
    path = Path(out.strip())
    assert path == run.model_dir / "report" / "index.html" and path.is_file()
    code, out = _run(root, "report", "fraud")
    assert code == 2 and "has no report" in out
    code, out = _run(root, "report", "nothing")
    assert code == 2 and "no model named 'nothing'" in out


def test_activate_binds_a_role_and_says_what_it_serves(registry: tuple[Path, LabRun]) -> None:
    root, _ = registry
    code, out = _run(root, "activate", "credit", "v1")
    assert code == 0 and "credit v1 is now active" in out and "serves no engine role" in out
    assert ModelRegistry(root).active("credit") == "v1"
    code, out = _run(root, "activate", "credit", "v1", "--as", "scorecard", "--force")
    assert code == 0, out
    assert "the engine serves it as: scorecard" in out
    assert ModelRegistry(root).serving("scorecard") == ("credit", "v1")
    _, listed = _run(root, "list")
    assert "serves scorecard" in _line(listed, "credit", "v1")


def test_activate_refuses_a_role_the_model_cannot_fill(registry: tuple[Path, LabRun]) -> None:
    root, _ = registry
    code, out = _run(root, "activate", "credit", "v1", "--as", "scorecard")
    assert code == 2
    assert "engine does not compute" in out and "utilization" in out and "--force" in out
    code, out = _run(root, "activate", "credit", "v1", "--as", "fraud", "--force")
    assert code == 2 and "is a scorecard model" in out
    code, out = _run(root, "activate", "credit", "v1", "--as", "pricing")
    assert code == 2 and "unknown role 'pricing'" in out
    assert ModelRegistry(root).roles() == {}  # nothing changed


def test_activate_challenger_and_train_activate_still_work(
    registry: tuple[Path, LabRun],
) -> None:
    root, _ = registry
    code, out = _run(root, "activate", "fraud", "v1", "--challenger")
    assert code == 0 and "challenger" in out
    assert ModelRegistry(root).challenger("fraud") == "v1"
    result = CliRunner().invoke(
        app, ["train", "activate", "fraud", "v1"], env={"RISKLINE_MODEL_DIR": str(root)}
    )
    assert result.exit_code == 0 and ModelRegistry(root).active("fraud") == "v1"
