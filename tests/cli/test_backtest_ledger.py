"""``riskline backtest``: --ledger replays a database's ledger; the file backtest still runs;
bad requests get a one-line error and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from riskline.cli import app
from riskline.config import Settings
from riskline.rules import EXAMPLE_RULESET
from riskline.runtime import build_runtime
from tests.conftest import SECRET
from tests.ui.seed import seed

RULE = """
  - id: every_payment
    events: [payment]
    when: event.amount >= 1
    outcome: review
    reason_code: EVERY_PAYMENT
    text_key: notice.test
    owner: test
"""


def test_ledger_backtest_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    runtime = build_runtime(Settings(database_url=url, pii_secret=SECRET), pii_warning=False)
    try:
        seed(runtime)  # 9 events from 2026-03-01; a2 makes six payments on 03-02
    finally:
        runtime.close()
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(EXAMPLE_RULESET.read_text() + RULE)
    out = tmp_path / "whatif.json"
    args = ["backtest", "--ledger", url, "--from", "2026-03-02", "--to", "2026-03-03"]
    env = {"RISKLINE_PII_SECRET": SECRET}
    result = CliRunner().invoke(
        app, [*args, "--rules", str(candidate), "--json", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert (report["events"], report["warmup_events"]) == (6, 2)
    assert report["differences"] == [
        {"before": "approve", "after": "review", "count": 6, "amount": 465.0}
    ]
    every = next(c for c in report["checks"] if c["code"] == "EVERY_PAYMENT")
    assert (every["live_hits"], every["candidate_hits"]) == (0, 6)
    assert report["live_source"] == "replay with the live set"
    assert report["candidate_side"]["cases_opened"] == report["live"]["cases_opened"] + 1
    assert "Changed decisions" in result.output
    missing = CliRunner().invoke(app, [*args[:3], "--rules", str(candidate)], env=env)
    assert missing.exit_code == 2 and "--from DATE is required" in missing.output
    both = CliRunner().invoke(app, [*args, "--rules", str(candidate), "--policy", str(candidate)])
    assert both.exit_code == 2 and "one of them" in both.output


def test_the_file_backtest_still_runs(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text("event.amount,label\n50,0\n150,1\n300,0\n20,1\n")
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        'version: "t"\nrules:\n  - {id: big, when: event.amount > 100, outcome: review,'
        " reason_code: BIG, text_key: t, owner: o}\n"
    )
    result = CliRunner().invoke(app, ["backtest", str(rules), "--history", str(history)])
    assert result.exit_code == 0, result.output
    assert "big" in result.output
    bare = CliRunner().invoke(app, ["backtest"])
    assert bare.exit_code == 2 and "--history" in bare.output
