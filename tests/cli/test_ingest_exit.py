"""``riskline ingest`` exit codes (0 all accepted, 3 some rejected and the rest decided, 2 usage
error) and payment histories in the user's own column names, zero amounts included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from riskline.cli import app
from riskline.storage import SqlStore, connect
from tests.conftest import SECRET
from tests.factories import wire


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RISKLINE_DATABASE_URL", url)
    monkeypatch.setenv("RISKLINE_PII_SECRET", SECRET)
    monkeypatch.setenv("RISKLINE_MODEL_DIR", str(tmp_path / "no-models"))
    return url


def _ids(db_url: str) -> set[str]:
    return {e.event_id for e in SqlStore(connect(db_url)).iter_events()}


def test_exit_codes_all_good_some_rejected_usage(tmp_path: Path, db_url: str) -> None:
    runner = CliRunner()
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(wire("payment", event_id="g1", amount="0.00")) + "\n")
    ok = runner.invoke(app, ["ingest", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "accepted 1, replayed 0, rejected 0" in ok.stdout and "exit code" not in ok.stdout
    mixed = tmp_path / "mixed.jsonl"
    lines = [wire("payment", event_id="m1"), wire("payment", event_id="m2", amount="-1.00")]
    mixed.write_text("".join(json.dumps(x) + "\n" for x in lines))
    some = runner.invoke(app, ["ingest", str(mixed)])
    assert some.exit_code == 3, some.output
    assert "accepted 1, replayed 0, rejected 1 (exit code 3)" in some.stdout
    assert "line 2" in some.stderr and "negative" in some.stderr
    assert _ids(db_url) == {"g1", "m1"}
    again = runner.invoke(app, ["ingest", str(good)])  # a replay is not a rejection
    assert again.exit_code == 0 and "replayed 1" in again.stdout
    for usage in (
        ["ingest", str(good), "--payer", "card"],
        ["ingest", str(good), "--policy", "no-such-policy"],
        ["ingest", str(tmp_path / "missing.csv")],
    ):
        result = runner.invoke(app, usage)
        assert result.exit_code == 2, (usage, result.output)
    partial = runner.invoke(app, ["ingest", str(good), "--payer", "card", "--time", "t"])
    assert "--payee, --amount" in partial.stderr
    bad_policy = runner.invoke(app, ["ingest", str(good), "--policy", "nope"])
    assert "'payments'" in bad_policy.stderr


def test_a_payment_history_in_the_users_columns(tmp_path: Path, db_url: str) -> None:
    history = tmp_path / "history.csv"
    history.write_text(
        "card,terminal,amt,hours,dev\n"
        "c1,T1,12.50,490001,d1\n"  # hours since 1970: November 2025
        "c2,T1,0.00,490002,\n"  # a card check: zero is accepted
        "c3,T2,-3.00,490003,d2\n"  # negative: rejected, line 4
        "c4,,5.00,490004,d2\n"  # no payee: rejected, line 5
        "c5,T2,7.00,490005,d3\n"
    )
    mapping = ["--payer", "card", "--payee", "terminal", "--amount", "amt", "--time", "hours"]
    result = CliRunner().invoke(
        app,
        ["ingest", str(history), *mapping, "--time-unit", "h", "--device", "dev"],
    )
    assert result.exit_code == 3, result.output
    assert "accepted 3, replayed 0, rejected 2 (exit code 3)" in result.stdout
    assert "line 4" in result.stderr and "line 5" in result.stderr and "'terminal'" in result.stderr
    events = {e.event_id: e for e in SqlStore(connect(db_url)).iter_events()}
    assert set(events) == {"row-0", "row-1", "row-4"}  # ids by row, as training gives them
    first, check = events["row-0"], events["row-1"]
    assert getattr(first, "device_id", None) == "d1" and getattr(check, "device_id", "") is None
    assert first.occurred_at.isoformat() == "2025-11-24T17:00:00+00:00"
    assert str(getattr(check, "amount", "")) == "0.00"
    assert getattr(first, "merchant_id", None) == "T1"


def test_history_channel_category_and_location_reach_the_stored_events(
    tmp_path: Path, db_url: str
) -> None:
    history = tmp_path / "labels.csv"
    history.write_text(
        "card,terminal,amt,t,ch,mcc,city\n"
        "c1,T1,12.50,1767225600,pos,5411,Shanghai\n"
        "c1,T2,3.00,1767225660,,,\n"  # empty cells: no label
        "c2,T2,4.00,1767225720,ecommerce,5999,Caf\u00e9 town\n"  # not ASCII: line 4 rejected
    )
    mapping = ["--payer", "card", "--payee", "terminal", "--amount", "amt", "--time", "t"]
    labels = ["--channel", "ch", "--category", "mcc", "--location", "city"]
    result = CliRunner().invoke(app, ["ingest", str(history), *mapping, *labels])
    assert result.exit_code == 3, result.output
    assert "line 4" in result.stderr and "location" in result.stderr
    events: dict[str, Any] = {e.event_id: e for e in SqlStore(connect(db_url)).iter_events()}
    assert set(events) == {"row-0", "row-1"}
    first, second = events["row-0"], events["row-1"]
    assert (first.channel, first.merchant_category, first.location) == ("pos", "5411", "Shanghai")
    assert (second.channel, second.merchant_category, second.location) == (None, None, None)


def test_a_step_counter_history_takes_a_time_origin(tmp_path: Path, db_url: str) -> None:
    history = tmp_path / "steps.csv"
    history.write_text("card,terminal,amt,step\nc1,T1,12.50,0\nc2,T1,3.00,25\n")
    mapping = ["--payer", "card", "--payee", "terminal", "--amount", "amt", "--time", "step"]
    ok = CliRunner().invoke(
        app, ["ingest", str(history), *mapping, "--time-unit", "h", "--time-origin", "2024-01-01"]
    )
    assert ok.exit_code == 0, ok.output
    events = {e.event_id: e for e in SqlStore(connect(db_url)).iter_events()}
    assert events["row-0"].occurred_at.isoformat() == "2024-01-01T00:00:00+00:00"
    assert events["row-1"].occurred_at.isoformat() == "2024-01-02T01:00:00+00:00"
    bad = CliRunner().invoke(app, ["ingest", str(history), *mapping, "--time-origin", "soon"])
    assert bad.exit_code == 2 and "--time-origin takes a date" in bad.output
    assert len(_ids(db_url)) == 2  # the refused run added nothing
