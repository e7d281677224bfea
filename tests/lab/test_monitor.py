"""Monitoring a new period: an injected shift raises an alert (exit 1), the same population
stays ok (exit 0), and bad input is a one-line error (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from riskline.cli import app
from riskline.errors import InvalidInput
from riskline.lab import LabRun
from riskline.lab.monitor import drift, load_profile
from riskline.lab.report import publish
from riskline.scoring import ModelRegistry
from tests.lab.html_tables import column, parse
from tests.lab.lab_runs import credit_table, lab_run


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory) -> LabRun:
    run = lab_run(tmp_path_factory.mktemp("registry"))
    publish(run)
    return run


def _monitor(run: LabRun, csv: Path, *extra: str) -> tuple[int, str]:
    env = {"RISKLINE_MODEL_DIR": str(run.model_dir.parents[1]), "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["monitor", run.name, str(csv), *extra], env=env)
    return result.exit_code, result.output


def test_a_new_sample_of_the_same_population_is_ok(card: LabRun, tmp_path: Path) -> None:
    csv = tmp_path / "same.csv"
    credit_table(seed=11).write_csv(csv)  # fresh draws, same distributions
    code, out = _monitor(card, csv)
    assert code == 0, out
    assert "alert" not in out and "warn" not in out
    html = card.model_dir / "monitor" / "same" / "index.html"
    assert f"report: {html}" in out.replace("\n", "")
    table = parse(html.read_text()).tables["drift-table"]
    assert column(table, "what") == ["score", *card.features]
    assert set(column(table, "status")) == {"ok"}


def test_an_injected_shift_raises_an_alert_and_exit_1(card: LabRun, tmp_path: Path) -> None:
    csv = tmp_path / "shifted.csv"
    credit_table(seed=11, shift=0.4).write_csv(csv)  # utilization moves up
    out_dir = tmp_path / "report"
    code, out = _monitor(card, csv, "--out", str(out_dir))
    assert code == 1, out
    table = parse((out_dir / "index.html").read_text()).tables["drift-table"]
    status = dict(zip(column(table, "what"), column(table, "status"), strict=True))
    assert status["utilization"] == "alert"
    assert status["score"] == "alert"
    assert status["age"] == "ok"  # untouched features stay quiet
    assert (out_dir / "score.png").read_bytes().startswith(b"\x89PNG")


def test_thresholds_decide_the_status(card: LabRun) -> None:
    model, meta = ModelRegistry(card.model_dir.parents[1]).load(card.name, card.version)
    profile = load_profile(card.model_dir, meta)
    df = credit_table(seed=11, shift=0.1)
    loose = drift(model, meta, profile, df, source="x.csv", warn=5.0, alert=10.0)
    strict = drift(model, meta, profile, df, source="x.csv", warn=0.001, alert=0.002)
    assert loose.status == "ok" and strict.status == "alert"
    score = loose.lines[0]
    assert (score.name, score.measure) == ("score", "PSI")
    assert sum(score.actual) == pytest.approx(1.0)
    with pytest.raises(InvalidInput, match="0 < --warn < --alert"):
        drift(model, meta, profile, df, source="x.csv", warn=0.3, alert=0.2)


def test_missing_column_is_a_one_line_error(card: LabRun, tmp_path: Path) -> None:
    csv = tmp_path / "partial.csv"
    credit_table(seed=11).drop("utilization").write_csv(csv)
    code, out = _monitor(card, csv)
    assert code == 2
    assert "utilization" in out and "Traceback" not in out


def test_a_model_without_profile_names_the_fix(tmp_path: Path) -> None:
    run = lab_run(tmp_path)  # registered, never published
    csv = tmp_path / "same.csv"
    credit_table(seed=11).write_csv(csv)
    code, out = _monitor(run, csv)
    assert code == 2
    assert "no training profile" in out and "riskline train scorecard" in out


def test_a_lightgbm_model_is_monitored_on_its_margin(tmp_path: Path) -> None:
    run = lab_run(tmp_path, "lightgbm")
    publish(run)
    model, meta = ModelRegistry(tmp_path).load(run.name, run.version)
    profile = load_profile(run.model_dir, meta)
    assert profile["score"]["name"] == "margin"
    same = drift(model, meta, profile, credit_table(seed=11), source="same.csv")
    moved = drift(model, meta, profile, credit_table(seed=11, shift=0.4), source="moved.csv")
    # the text column reaches the booster through its codes: the same population scores alike
    assert same.status == "ok", [(x.name, x.value) for x in same.lines]
    lines = {x.name: x for x in moved.lines}
    assert lines["score"].status == "alert" and lines["utilization"].status == "alert"
    assert lines["housing"].status == "ok"
