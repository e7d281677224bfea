"""The end-of-day LightGBM baseline: trained on one small world, scored on another."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from riskline.cli import app
from riskline.errors import InvalidInput
from riskline.sim import Labels, WorldConfig, load_world, refuse_same_world, run_baseline, simulate
from riskline.sim.eod_baseline import FEATURES, EodBaseline, account_days, threshold_for


@pytest.fixture(scope="module")
def train_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("train-world")
    simulate(WorldConfig.small(seed=WorldConfig.small().seed + 1), out)
    return out


def _good_persons(events: pl.DataFrame, labels: Labels) -> dict[str, list[str]]:
    opened = events.filter(pl.col("type") == "account_opened")
    accounts: dict[str, list[str]] = {}
    for account, person in zip(opened["account_id"], opened["person_id"], strict=True):
        accounts.setdefault(person, []).append(account)
    ring = labels.fraud_persons() | set(labels.entities)
    return {p: a for p, a in accounts.items() if p not in ring and p not in labels.hard_negatives}


def test_threshold_flags_the_requested_share_of_good_persons(
    world_dir: Path, train_dir: Path
) -> None:
    targets = (("equal", 0.05), ("1%", 0.01))
    report = run_baseline(train_dir, world_dir, targets)
    # recompute, independently of the report's own counting, who crosses each threshold
    events = pl.read_parquet(world_dir / "events.parquet")
    scores = EodBaseline().fit(train_dir).score(events)
    top = dict(scores.group_by("account_id").agg(pl.col("score").max()).iter_rows())
    good = _good_persons(events, load_world(world_dir).labels)
    assert len(good) > 500
    for point, (name, rate) in zip(report.points, targets, strict=True):
        assert point.name == name
        flagged = sum(
            any(top.get(a, 0.0) >= point.threshold for a in accounts) for accounts in good.values()
        )
        assert point.fpr_good == pytest.approx(flagged / len(good), abs=1e-4)
        assert abs(flagged / len(good) - rate) <= 1.5 / len(good)
    loose, tight = report.points
    assert tight.threshold > loose.threshold
    assert all(t.recall <= lo.recall for t, lo in zip(tight.rows, loose.rows, strict=True))
    assert report.train_positives > 0
    assert any(r.recall > 0.5 for r in loose.rows), loose.rows


def test_training_world_must_not_be_the_report_world(world_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="is the report world"):
        refuse_same_world(world_dir, world_dir)
    with pytest.raises(InvalidInput, match="is the report world"):
        run_baseline(world_dir / ".." / world_dir.name, world_dir, (("x", 0.01),))
    twin = tmp_path / "twin"  # another folder with the same configuration and seed
    twin.mkdir()
    shutil.copy(world_dir / "summary.json", twin / "summary.json")
    with pytest.raises(InvalidInput, match="same configuration and seed"):
        refuse_same_world(twin, world_dir)


def test_cli_refuses_the_same_world_before_deciding_anything(world_dir: Path) -> None:
    args = ["evaluate", str(world_dir), "--baseline", "--train-world", str(world_dir)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert "is the report world" in " ".join(result.output.split())  # rich wraps lines
    alone = CliRunner().invoke(app, ["evaluate", str(world_dir), "--baseline"])
    assert alone.exit_code != 0
    assert "--train-world" in " ".join(alone.output.split())


def test_account_days_count_only_what_happened_up_to_each_day() -> None:
    t = pl.datetime(2026, 1, 5, 9, time_zone="UTC")
    rows = [
        ("account_opened", 0, "a", None, "d", None),
        ("account_opened", 0, "b", None, "d", None),
        ("payment", 0, "a", None, "d", 10.0),
        ("transfer", 1, "a", "b", "d2", 5.0),
        ("payment", 2, "a", None, "d", 20.0),
    ]
    events = pl.DataFrame(
        {
            "type": [r[0] for r in rows],
            "day_offset": [r[1] for r in rows],
            "account_id": [r[2] for r in rows],
            "to_account_id": [r[3] for r in rows],
            "device_id": [r[4] for r in rows],
            "amount": [r[5] for r in rows],
        }
    ).with_columns(occurred_at=t + pl.duration(days=pl.col("day_offset")))
    frame = account_days(events).sort("account_id", "day")
    assert set(FEATURES) <= set(frame.columns)
    a = frame.filter(pl.col("account_id") == "a")
    assert a["pay_n_cum"].to_list() == [1, 1, 2]
    assert a["pay_sum_cum"].to_list() == [10.0, 10.0, 30.0]
    assert a["xfer_sum_1d"].to_list() == [0.0, 5.0, 0.0]
    assert a["devices_cum"].to_list() == [1, 2, 2]
    assert a["accounts_per_device"].to_list() == [2, 2, 2]  # b opened on device d the same day
    assert a["account_age_days"].to_list() == [0, 1, 2]
    b = frame.filter(pl.col("account_id") == "b")
    assert b["xfer_in_n_cum"].to_list() == [0, 1]


def test_threshold_for_picks_the_closest_share() -> None:
    scores = np.array([0.9, 0.8, 0.8, 0.1])
    assert threshold_for(scores, 0.25) == 0.9
    assert threshold_for(scores, 0.75) == 0.8  # a tie: 3 of 4 at or above 0.8
    assert threshold_for(scores, 0.0) > 0.9
    assert threshold_for(np.array([]), 0.5) == float("inf")
    assert json.dumps(threshold_for(scores, 1.0)) == "0.1"
