"""The stream commands: init, publish (with a bad line and a second run), status, webhooks."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from riskline.cli import app
from riskline.sim import WorldConfig, iter_events
from riskline.stream import JetStream, StreamNames
from tests.conftest import SECRET

pytestmark = pytest.mark.nats


def test_init_publish_status_and_webhooks(
    nats_url: str,
    names: StreamNames,
    tmp_path: Path,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RISKLINE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RISKLINE_PII_SECRET", SECRET)
    monkeypatch.setenv("RISKLINE_NATS_URL", nats_url)
    monkeypatch.setenv("RISKLINE_STREAM_PREFIX", names.prefix)
    rows = list(itertools.islice(iter_events(WorldConfig.small()), 120))
    lines = (
        [json.dumps(r) for r in rows[:60]]
        + ['{"type": "payment"}']
        + [json.dumps(r) for r in rows[60:]]
    )
    history = tmp_path / "history.jsonl"
    history.write_text("\n".join(lines) + "\n")
    runner = CliRunner()

    init = runner.invoke(app, ["stream", "init"])
    assert init.exit_code == 0, init.output
    first = runner.invoke(app, ["publish", str(history)])
    assert first.exit_code == 1  # one bad line, reported, not sent
    assert "published 120, already in the stream 0, rejected 1" in first.output
    assert "line 61" in first.output
    again = runner.invoke(app, ["publish", str(history)])
    assert "published 0, already in the stream 120, rejected 1" in again.output
    js = JetStream(nats_url, names)
    try:
        assert js.last_seq(names.events_stream) == 120
    finally:
        js.close()

    status = runner.invoke(app, ["stream", "status"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.output)["streams"][names.events_stream] == 120

    added = runner.invoke(
        app, ["webhooks", "add", "https://hooks.example/x", "--topic", "line.frozen"]
    )
    assert added.exit_code == 0, added.output
    secret = added.output.strip().splitlines()[-1]
    assert len(secret) >= 32
    listed = runner.invoke(app, ["webhooks", "list"])
    assert "https://hooks.example/x" in listed.output and secret not in listed.output
