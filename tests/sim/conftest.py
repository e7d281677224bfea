"""Shared fixtures: one small world generated once per session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from riskline.sim import Labels, WorldConfig, load_world, simulate


@pytest.fixture(scope="session")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    simulate(WorldConfig.small(), out)
    return out


@pytest.fixture(scope="session")
def events(world_dir: Path) -> list[dict[str, Any]]:
    with (world_dir / "events.jsonl").open() as fh:
        return [json.loads(line) for line in fh]


@pytest.fixture(scope="session")
def labels(world_dir: Path) -> Labels:
    return load_world(world_dir).labels


def actors(labels: Labels, typology: str, level: str = "account") -> set[str]:
    """Ids of labeled entities of one typology at one level."""
    return {
        r["id"]
        for recs in labels.entities.values()
        for r in recs
        if r["typology"] == typology and r["level"] == level
    }
