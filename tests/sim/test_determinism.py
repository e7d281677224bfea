from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskline.sim import WorldConfig, iter_events, simulate

FILES = ("events.jsonl", "events.parquet", "labels.jsonl", "summary.json")
TINY = {"persons": 500, "days": 14, "history_days": 60}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    simulate(WorldConfig.from_mapping(TINY), out)
    return out


def _bytes(path: Path) -> bytes:
    return (path / "events.jsonl").read_bytes()


def test_same_seed_and_parameters_give_byte_identical_files(tiny: Path, tmp_path: Path) -> None:
    simulate(WorldConfig.from_mapping(TINY), tmp_path)
    for name in FILES:
        assert (tiny / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_other_seed_gives_another_world(tiny: Path, tmp_path: Path) -> None:
    simulate(WorldConfig.from_mapping({**TINY, "seed": 8}), tmp_path)
    assert _bytes(tiny) != _bytes(tmp_path)


def test_chunk_size_only_changes_speed_not_output(tiny: Path, tmp_path: Path) -> None:
    simulate(WorldConfig.from_mapping({**TINY, "chunk_days": 7}), tmp_path)
    assert _bytes(tiny) == _bytes(tmp_path)


def test_iter_events_matches_the_written_file(tiny: Path) -> None:
    with (tiny / "events.jsonl").open() as fh:
        written = [json.loads(line) for line in fh]
    assert list(iter_events(WorldConfig.from_mapping(TINY))) == written
