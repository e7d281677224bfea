"""``riskline watch run`` (cron) and ``riskline watch alerts``; bad input changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from riskline.cli import app
from riskline.monitoring import monitoring_alerts
from riskline.storage import connect, upgrade
from tests.conftest import SECRET
from tests.monitoring.helpers import Made, store

DAY = datetime(2026, 5, 20, tzinfo=UTC)
RULES = """\
version: 1
rules:
  - name: declines
    kind: rate
    of: decline
    above: 0.3
    min_decisions: 10
"""


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    url = f"sqlite:///{tmp_path / 'riskline.db'}"
    monkeypatch.setenv("RISKLINE_DATABASE_URL", url)
    monkeypatch.setenv("RISKLINE_PII_SECRET", SECRET)
    monkeypatch.setenv("RISKLINE_MODEL_DIR", str(tmp_path / "models"))
    rules = tmp_path / "alerts.yaml"
    rules.write_text(RULES)
    monkeypatch.setenv("RISKLINE_MONITORING_ALERTS_PATH", str(rules))
    db = connect(url)
    upgrade(db)
    outcomes = ["decline"] * 4 + ["approve"] * 6  # 40 % declined on the newest day
    store(db, [Made(f"e{i}", DAY + timedelta(minutes=i), o) for i, o in enumerate(outcomes)])
    db.dispose()
    return tmp_path


def _alerts(tmp_path: Path) -> int:
    db = connect(f"sqlite:///{tmp_path / 'riskline.db'}")
    with db.connect() as conn:
        n = int(conn.execute(select(func.count()).select_from(monitoring_alerts)).scalar_one())
    db.dispose()
    return n


def test_watch_run_fires_once_per_day_and_lists_alerts(env: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["watch", "run", "--at", "newest"])
    assert first.exit_code == 0, first.output
    out = json.loads(first.output)
    assert out["day"] == "2026-05-20" and out["decisions_today"] == 10
    assert out["fired"] == ["declines:decline:2026-05-20"]
    again = json.loads(runner.invoke(app, ["watch", "run", "--at", "newest"]).output)
    assert again["alerts"] == out["fired"] and again["fired"] == []
    assert _alerts(env) == 1
    listed = runner.invoke(app, ["watch", "alerts"])
    assert listed.exit_code == 0 and "declines" in listed.output and "2026-05-20" in listed.output
    other_day = json.loads(runner.invoke(app, ["watch", "run", "--at", "2026-05-21T12:00Z"]).output)
    assert other_day["decisions_today"] == 0 and other_day["fired"] == []


@pytest.mark.parametrize(
    ("args", "rules", "message"),
    [
        (["--at", "yesterday"], RULES, "--at: not an ISO-8601 time or 'newest'"),
        (["--at", "2026-05-20T12:00"], RULES, "--at needs a timezone"),
        (
            [],
            RULES.replace("above: 0.3", "above: 3"),
            "rules[0] (rate): above: Input should be less than 1",
        ),
        ([], RULES.replace("kind: rate", "kind: ratio"), "rules[0] (ratio): Input tag 'ratio'"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    env: Path, args: list[str], rules: str, message: str
) -> None:
    (env / "alerts.yaml").write_text(rules)
    r = CliRunner().invoke(app, ["watch", "run", *args])
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output
    assert _alerts(env) == 0
