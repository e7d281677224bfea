"""Where ``riskline evaluate`` puts its throwaway database."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskline.cli import world as cli_world


def _world(folder: Path, size: int) -> Path:
    folder.mkdir()
    with (folder / "events.jsonl").open("wb") as fh:
        fh.truncate(size)  # sparse: only the size is read
    return folder


def test_a_world_that_fits_gets_its_scratch_database_in_ram(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ram = tmp_path / "shm"
    ram.mkdir()
    monkeypatch.setattr(cli_world, "_RAM_FOLDER", ram)
    assert cli_world._scratch_folder(_world(tmp_path / "small", 1000)) == str(ram)
    assert cli_world._scratch_folder(_world(tmp_path / "huge", 2**40)) is None
    assert cli_world._scratch_folder(None) is None
    monkeypatch.setattr(cli_world, "_RAM_FOLDER", tmp_path / "missing")
    assert cli_world._scratch_folder(tmp_path / "small") is None


def test_the_scratch_url_is_used_only_without_database(tmp_path: Path) -> None:
    world = _world(tmp_path / "w", 1000)
    with cli_world._engine_database(None, world) as url:
        assert url.startswith("sqlite:///") and url.endswith("evaluate.db?scratch=true")
        folder = Path(url.removeprefix("sqlite:///").removesuffix("?scratch=true")).parent
        assert folder.is_dir()
    assert not folder.exists()  # removed afterwards
    with cli_world._engine_database("sqlite:///kept.db", world) as url:
        assert url == "sqlite:///kept.db"
