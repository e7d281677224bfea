"""The development-PII-secret warning: where identifiers are hashed, once per process."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from riskline import runtime as runtime_module
from riskline.cli import app
from tests.factories import wire

WARNING = "RISKLINE_PII_SECRET is not set"


@pytest.fixture
def fresh_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[pytest.LogCaptureFixture]:
    """As if no runtime had started in this process yet; the development secret in use."""
    runtime_module._warn_dev_secret.cache_clear()
    monkeypatch.delenv("RISKLINE_PII_SECRET", raising=False)
    monkeypatch.setenv("RISKLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("RISKLINE_MODEL_DIR", str(tmp_path / "models"))
    caplog.set_level(logging.WARNING, logger="riskline.runtime")
    yield caplog
    runtime_module._warn_dev_secret.cache_clear()


def _warnings(caplog: pytest.LogCaptureFixture) -> int:
    return sum(WARNING in r.getMessage() for r in caplog.records)


def _tiny_world(folder: Path) -> Path:
    """A world folder by hand (two events, no fraud), independent of the simulator."""
    folder.mkdir()
    events = [wire("account_opened", event_id="w1"), wire("payment", event_id="w2")]
    (folder / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    (folder / "labels.jsonl").write_text("")
    return folder


def test_ingest_warns_once_per_process(
    fresh_process: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text(json.dumps(wire("account_opened", event_id="p1")) + "\n")
    runner = CliRunner()
    for _ in range(2):
        assert runner.invoke(app, ["ingest", str(path)]).exit_code == 0
    assert _warnings(fresh_process) == 1


def test_commands_that_hash_nothing_kept_do_not_warn(
    fresh_process: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    runner = CliRunner()
    world = _tiny_world(tmp_path / "world")
    assert runner.invoke(app, ["schema"]).exit_code == 0
    assert runner.invoke(app, ["evaluate", str(world)]).exit_code == 0  # temporary database
    assert _warnings(fresh_process) == 0
    kept = ["evaluate", str(world), "--database", f"sqlite:///{tmp_path / 'kept.db'}"]
    assert runner.invoke(app, kept).exit_code == 0  # a database that stays: hashes matter
    assert _warnings(fresh_process) == 1
