"""``riskline spark`` commands on files, with the test session's Spark (same master)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
from typer.testing import CliRunner

from riskline.batch import link_table
from riskline.cli import app
from riskline.graph import run_batch
from tests.batch.world import world


def test_components_command_writes_components_and_risk(spark: Any, tmp_path: Path) -> None:
    events = world()[:80]
    pq.write_table(link_table(events), tmp_path / "links.parquet")
    flagged = next(e for e in events if e.type == "account_opened")
    flag = f"account:{flagged.account_id}"  # type: ignore[attr-defined]
    args = ["spark", "components", str(tmp_path / "links.parquet"), str(tmp_path / "out")]
    result = CliRunner().invoke(app, [*args, "--flag", flag])
    assert result.exit_code == 0, result.output
    out = pl.from_arrow(pq.read_table(tmp_path / "out"))
    assert isinstance(out, pl.DataFrame)
    local = run_batch(events, flags=[("account", flagged.account_id)])  # type: ignore[attr-defined]
    assert out["component"].n_unique() == len(local.components)
    assert f"in {len(local.components)} components" in result.output
    top = out.filter(pl.col("kind").eq("account") & pl.col("id").eq(flagged.account_id))  # type: ignore[attr-defined]
    assert top["risk"].to_list() == [1.0]


def test_bad_flag_is_a_clear_error(spark: Any, tmp_path: Path) -> None:
    args = ["spark", "components", str(tmp_path / "links.parquet"), str(tmp_path / "o")]
    result = CliRunner().invoke(app, [*args, "--flag", "nocolon"])
    assert result.exit_code == 2
    assert "KIND:ID" in result.output
