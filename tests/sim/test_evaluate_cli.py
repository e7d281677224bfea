"""`riskline evaluate` hands the evaluator the engine's full decisions (reasons, actions)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from riskline.cli import app
from riskline.sim import WorldConfig, simulate
from riskline.sim.evaluate import NO_REASON


def test_engine_reasons_and_credit_declines_reach_the_evaluator(tmp_path: Path) -> None:
    world, out = tmp_path / "world", tmp_path / "out"
    simulate(WorldConfig.small(persons=200, days=10, seed=8), world)
    result = CliRunner().invoke(app, ["evaluate", str(world), "--no-models", "--out", str(out)])
    assert result.exit_code == 0, result.output
    body = json.loads((out / "evaluation.json").read_text())
    # a view without reasons turns credit declines into approves and every flag into NO_REASON
    assert body["credit_declines"] > 0
    reasons = {r for row in body["typologies"] for r in row["reasons"]}
    assert reasons and NO_REASON not in reasons
    assert {row["group"] for row in body["harm"]} >= {"good persons"}
    assert body["tracker_seconds"] < body["seconds"]
    assert "Harm" in result.output
