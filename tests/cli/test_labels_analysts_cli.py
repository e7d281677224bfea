"""The retraining path end to end on a tiny world: evaluate -> cases.jsonl -> simulated
analysts -> labels file -> ``riskline train fraud --world W --labels FILE``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from riskline.cli import app
from riskline.scoring import ModelRegistry


def _ok(args: list[str]) -> str:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_cases_to_labels_to_training(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKLINE_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.chdir(tmp_path)
    world, report, known = tmp_path / "world", tmp_path / "report", tmp_path / "known.jsonl"
    _ok(
        [
            "simulate",
            str(world),
            "--size",
            "small",
            "--persons",
            "300",
            "--days",
            "40",
            "--seed",
            "4",
        ]
    )
    _ok(["evaluate", str(world), "--no-models", "--out", str(report)])
    cases = [json.loads(x) for x in (report / "cases.jsonl").read_text().splitlines()]
    assert cases and all({"party", "opened_at", "reasons"} <= set(c) for c in cases)
    assert "review_cases" not in json.loads((report / "evaluation.json").read_text())
    out = _ok(
        [
            "labels",
            "analysts",
            str(report / "cases.jsonl"),
            "--world",
            str(world),
            "--out",
            str(known),
            "--miss-rate",
            "0",
            "--false-confirm-rate",
            "0",
            "--seed",
            "1",
        ]
    )
    summary = json.loads(out[: out.rindex("}") + 1])
    assert summary["cases"] == len(cases)
    assert summary["closed"] + summary["open_at_as_of"] == len(cases)
    records = [json.loads(x) for x in known.read_text().splitlines()]
    parties = {c["party"] for c in cases}
    opened = {c["party"]: datetime.fromisoformat(c["opened_at"]) for c in cases}
    for r in records:
        if r["kind"] == "case":
            assert r["party"] in parties
            assert datetime.fromisoformat(r["known_at"]) >= opened[r["party"]]
    assert summary["confirmed"] > 0
    trained = _ok(["train", "fraud", "--world", str(world), "--labels", str(known)])
    assert f"{summary['confirmed']} confirmed" in trained
    registry = ModelRegistry(tmp_path / "models")
    assert registry.active("fraud")


def test_labels_need_a_world(tmp_path: Path) -> None:
    path = tmp_path / "known.jsonl"
    path.write_text("")
    result = CliRunner().invoke(app, ["train", "fraud", "--labels", str(path)])
    assert result.exit_code != 0
    assert "--labels FILE goes with --world" in result.output
