"""The development-PII-secret warning only where identifiers are hashed into something kept
(simulate and training on a file hash nothing; spark export and publish write hashes to
files and streams), and no help text loses a bracketed word to rich markup."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import typer.main
from typer.testing import CliRunner

from riskline import runtime as runtime_module
from riskline.cli import app

WARNING = "RISKLINE_PII_SECRET is not set"


@pytest.fixture
def dev_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[pytest.LogCaptureFixture]:
    """The development secret in use, as if no runtime had warned in this process yet."""
    runtime_module._warn_dev_secret.cache_clear()
    monkeypatch.delenv("RISKLINE_PII_SECRET", raising=False)
    monkeypatch.setenv("RISKLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("RISKLINE_MODEL_DIR", str(tmp_path / "models"))
    caplog.set_level(logging.WARNING)  # every logger: wherever the warning would come from
    yield caplog
    runtime_module._warn_dev_secret.cache_clear()


def _quiet(result: Any, caplog: pytest.LogCaptureFixture) -> None:
    assert result.exit_code == 0, result.output
    assert WARNING not in result.output
    assert not [r for r in caplog.records if WARNING in r.getMessage()]


def test_simulate_does_not_warn(dev_secret: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    args = ["simulate", str(tmp_path / "world"), "--persons", "200", "--days", "10"]
    _quiet(CliRunner().invoke(app, args), dev_secret)
    assert (tmp_path / "world" / "events.jsonl").exists()


def test_training_a_scorecard_on_a_csv_does_not_warn(
    dev_secret: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    rng = np.random.default_rng(4)
    n = 2000
    x = rng.normal(size=n)
    bad = (rng.random(n) < 1 / (1 + np.exp(2 - x))).astype(int)
    path = tmp_path / "history.csv"
    pl.DataFrame(
        {"month": np.arange(n) // 200, "x": x, "noise": rng.normal(size=n), "bad": bad}
    ).write_csv(path)
    args = ["train", "scorecard", str(path), "--target", "bad", "--time", "month"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    _quiet(result, dev_secret)
    assert "scorecard v1" in result.stdout


def test_ingest_into_a_kept_database_still_warns(
    dev_secret: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """The quiet tests above would pass if the warning were gone altogether: it is not."""
    from tests.factories import wire

    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(wire("account_opened")) + "\n")
    assert CliRunner().invoke(app, ["ingest", str(path)]).exit_code == 0
    assert [r for r in dev_secret.records if WARNING in r.getMessage()]


def _warned(caplog: pytest.LogCaptureFixture) -> int:
    return sum(WARNING in r.getMessage() for r in caplog.records)


def _tiny_world(folder: Path) -> Path:
    """A world folder by hand (two events), independent of the simulator."""
    from tests.factories import wire

    folder.mkdir()
    events = [wire("account_opened", event_id="w1"), wire("payment", event_id="w2")]
    (folder / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    (folder / "labels.jsonl").write_text("")
    return folder


def test_spark_export_warns_once(dev_secret: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    """Its event and link tables carry hashed identifiers that outlive the command."""
    world = _tiny_world(tmp_path / "world")
    for out in ("a", "b"):
        result = CliRunner().invoke(app, ["spark", "export", str(world), str(tmp_path / out)])
        assert result.exit_code == 0, result.output
    assert _warned(dev_secret) == 1


def test_publish_to_the_stream_warns(dev_secret: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    """The events it sends carry hashed identifiers; the workers store them."""
    from riskline.stream import JetStream, StreamNames
    from tests.factories import wire
    from tests.services import NATS_URL, nats_problem, unavailable

    problem = nats_problem()
    if problem:
        unavailable(problem)
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(wire("account_opened")) + "\n")
    prefix = f"t{uuid.uuid4().hex[:10]}"
    args = ["publish", str(path), "--nats-url", NATS_URL, "--prefix", prefix]
    try:
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
    finally:
        js = JetStream(NATS_URL, StreamNames(prefix))
        js.delete_streams()
        js.close()
    assert _warned(dev_secret) == 1


def _commands() -> Iterator[tuple[list[str], Any]]:
    """Every command and group of the CLI with its path of names."""
    stack: list[tuple[list[str], Any]] = [([], typer.main.get_command(app))]
    while stack:
        path, cmd = stack.pop()
        yield path, cmd
        stack.extend(([*path, name], sub) for name, sub in getattr(cmd, "commands", {}).items())


_BRACKETED = re.compile(r"[^\s\[]*\[[^\]\s]*\][^\s]*")


def test_no_help_text_loses_a_bracketed_word() -> None:
    """Rich reads ``[spark]`` as markup and drops it unless escaped (``\\[spark]``)."""
    checked = 0
    for path, cmd in _commands():
        texts = [cmd.help or "", *(getattr(p, "help", None) or "" for p in cmd.params)]
        words = {w for t in texts for w in _BRACKETED.findall(t.replace("\\[", "["))}
        if not words:
            continue
        result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "250"})
        assert result.exit_code == 0, result.output
        shown = " ".join(result.stdout.split())
        for word in words:
            assert word in shown, f"`riskline {' '.join(path)} --help` lost {word!r}"
            checked += 1
    assert checked >= 2  # at least the spark group's extra and its --master option
