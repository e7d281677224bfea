"""``riskline demo`` as a first hour: decisions, the evaluation on its own world, console users."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from riskline.cli import app
from riskline.storage import connect, tables
from riskline.ui import UserStore

SIZE = ["--persons", "200", "--days", "7", "--seed", "5", "--no-serve"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RISKLINE_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("RISKLINE_PORT", "8765")
    monkeypatch.delenv("RISKLINE_CONSOLE_PASSWORD", raising=False)
    return tmp_path


def _ledger_size(db: Path) -> int:
    engine = connect(f"sqlite:///{db}")
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(tables.events)).scalar_one()
    engine.dispose()
    return int(n)


def test_demo_scores_its_own_decisions_and_opens_the_console(folder: Path) -> None:
    result = CliRunner().invoke(app, ["demo", *SIZE], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    report = json.loads((folder / "riskline-demo-report" / "evaluation.json").read_text())
    assert report["typologies"] and report["good_persons"] > 0
    # every event decided once, and the evaluation scored exactly those decisions
    decided = int(re.search(r"([\d,]+) events decided", out)[1].replace(",", ""))  # type: ignore[index]
    assert decided == report["events"] == _ledger_size(folder / "riskline-demo.db")
    assert "recall" in out and "cashout" in out
    assert re.search(r"good customers flagged: [\d,]+ of [\d,]+ \(\d+\.\d%\)", out)
    assert re.search(r"credit stopped: [\d,]+ of [\d,]+ at risk", out)
    assert "riskline-demo-report/evaluation.html" in out
    assert (folder / "riskline-demo-report" / "evaluation.html").is_file()
    assert "console: http://127.0.0.1:8765/console/" in out
    users = UserStore(connect(f"sqlite:///{folder / 'riskline-demo.db'}"))
    for name, role in (("demo-analyst", "analyst"), ("demo-supervisor", "supervisor")):
        password = re.search(rf"{name}\s+{role}\s+password (\S+)", out)
        assert password is not None, out
        assert users.authenticate(name, password[1]).role.value == role


def test_demo_console_user_of_your_own(folder: Path) -> None:
    env = {"RISKLINE_CONSOLE_PASSWORD": "correct horse battery", "COLUMNS": "120"}
    result = CliRunner().invoke(app, ["demo", *SIZE, "--console-user", "ada"], env=env)
    assert result.exit_code == 0, result.output
    assert "demo-analyst" not in result.stdout and "sign in as ada (admin)" in result.stdout
    users = UserStore(connect(f"sqlite:///{folder / 'riskline-demo.db'}"))
    assert users.authenticate("ada", "correct horse battery").role.value == "admin"
    assert [u.username for u in users.list()] == ["ada"]


def test_demo_console_user_needs_a_password(folder: Path) -> None:
    result = CliRunner().invoke(app, ["demo", *SIZE, "--console-user", "ada"])
    assert result.exit_code == 2 and "RISKLINE_CONSOLE_PASSWORD" in result.stderr
    assert not (folder / "riskline-demo.db").exists()
