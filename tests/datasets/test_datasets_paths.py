"""Data folder resolution and the report when no data is present (no public data needed)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from riskline.datasets import DatasetMissing, data_dir, load_sffsd, read_csv_in_place
from riskline.datasets.report import format_table, run_all


def test_env_var_wins_over_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RISKLINE_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.delenv("RISKLINE_DATA_DIR")
    assert data_dir().parts[-2:] == ("shared", "data")


def test_zip_is_read_in_place(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "s.zip", "w") as z:
        z.writestr("inner.csv", "a,b\n1,x\n2,y\n")
    df = read_csv_in_place(tmp_path, "s.zip")
    assert df["a"].to_list() == [1, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.zip"]  # nothing extracted


def test_missing_folder_is_a_clear_error_and_report_skips(tmp_path: Path) -> None:
    with pytest.raises(DatasetMissing, match="RISKLINE_DATA_DIR"):
        load_sffsd(tmp_path)
    report = run_all(tmp_path, echo=False)
    assert report["results"] == []
    assert set(report["skipped"]) == {"S-FFSD", "PaySim", "Taiwan default", "Give Me Some Credit"}
    assert "skipped S-FFSD: S-FFSD.zip not found" in format_table(report)
