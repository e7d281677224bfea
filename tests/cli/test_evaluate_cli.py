"""``riskline evaluate`` with its defaults: a temporary file database, removed afterwards."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from riskline.cli import app
from riskline.storage import connect, tables


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-world") / "world"
    args = ["simulate", str(folder), "--preset", "small", "--persons", "200", "--days", "7"]
    result = CliRunner().invoke(app, [*args, "--seed", "3"])
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private temporary folder (so leftovers can be seen) and an empty model registry."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("RISKLINE_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.chdir(tmp_path)
    return folder


def test_evaluate_with_defaults_writes_the_report_and_removes_its_database(
    world: Path, scratch: Path, tmp_path: Path
) -> None:
    result = CliRunner().invoke(app, ["evaluate", str(world), "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert "Riskline evaluation" in result.stdout
    report = json.loads((tmp_path / "report" / "evaluation.json").read_text())
    assert report["events"] > 0 and report["typologies"]
    assert "<svg" in (tmp_path / "report" / "evaluation.html").read_text()
    assert list(scratch.iterdir()) == []  # the temporary database is gone
    assert not (tmp_path / "riskline.db").exists()  # RISKLINE_DATABASE_URL left alone


def test_evaluate_keeps_a_database_it_is_given(world: Path, scratch: Path, tmp_path: Path) -> None:
    path = tmp_path / "kept.db"
    result = CliRunner().invoke(app, ["evaluate", str(world), "--database", f"sqlite:///{path}"])
    assert result.exit_code == 0, result.output
    db = connect(f"sqlite:///{path}")
    with db.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(tables.events)).scalar_one()
    db.dispose()
    assert stored > 0


def test_evaluate_decides_with_the_rules_and_policy_files_it_is_given(
    world: Path, scratch: Path, tmp_path: Path
) -> None:
    """``--rules`` / ``--policy`` (what ``riskline tune`` writes): every stored decision names
    the versions of the files given, not the built-in ones."""
    from riskline.decisioning.policy import DEFAULT_POLICY_PATH
    from riskline.rules import EXAMPLE_RULESET

    policy = tmp_path / "policy.yaml"
    policy.write_text(DEFAULT_POLICY_PATH.read_text().replace('version: "', 'version: "tuned-', 1))
    rules = tmp_path / "rules.yaml"
    rules.write_text(Path(EXAMPLE_RULESET).read_text().replace('version: "', 'version: "t-', 1))
    path = tmp_path / "tuned.db"
    args = ["evaluate", str(world), "--database", f"sqlite:///{path}", "--no-models"]
    result = CliRunner().invoke(app, [*args, "--rules", str(rules), "--policy", str(policy)])
    assert result.exit_code == 0, result.output
    db = connect(f"sqlite:///{path}")
    with db.connect() as conn:
        bodies = conn.execute(select(tables.decisions.c.body)).scalars().all()
    db.dispose()
    versions = {(v["policy"], v["rules"]) for v in (json.loads(b)["versions"] for b in bodies)}
    (only,) = versions
    assert only[0].startswith("tuned-") and only[1].startswith("t-")
    missing = CliRunner().invoke(app, ["evaluate", str(world), "--policy", str(tmp_path / "no")])
    assert missing.exit_code != 0
