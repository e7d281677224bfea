"""``riskline labels import``: all lines or none (bad lines named), replays change nothing;
``riskline labels summary``: fraud and genuine shares not approved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from riskline.cli import app
from riskline.storage import connect, upgrade
from riskline.storage.labels import fraud_labels
from tests.conftest import SECRET
from tests.factories import wire


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RISKLINE_DATABASE_URL", url)
    monkeypatch.setenv("RISKLINE_PII_SECRET", SECRET)
    monkeypatch.setenv("RISKLINE_MODEL_DIR", str(tmp_path / "no-models"))
    return url


def _stored(db_url: str) -> list[tuple[str, bool, str]]:
    db = connect(db_url)
    upgrade(db)
    c = fraud_labels.c
    with db.connect() as conn:
        rows = conn.execute(select(c.event_id, c.fraud, c.received_at).order_by(c.id))
        return [(r.event_id, bool(r.fraud), r.received_at.isoformat()) for r in rows]


def test_a_bad_line_refuses_the_whole_file_naming_its_line(tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "cb.csv"
    path.write_text(
        "event_id,fraud,reported_at\n"
        "e1,true,2026-02-01T00:00:00Z\n"
        "e2,maybe,2026-02-01T00:00:00Z\n"
        "e3,1,2026-02-01\n"
        ",0,2026-02-01T00:00:00Z\n"
    )
    result = CliRunner().invoke(app, ["labels", "import", str(path)])
    assert result.exit_code == 2
    err = " ".join(result.stderr.split())
    assert "3 bad line(s), nothing imported" in err
    assert "line 3: fraud column value 'maybe'" in err
    assert "line 4: reported_at column value '2026-02-01' has no timezone" in err
    assert "line 5: no event_id" in err
    assert _stored(db_url) == []


def test_import_replay_and_backdate(tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "cb.jsonl"
    rows = [
        {"tx": "e1", "is_fraud": 1, "reported_at": "2026-02-01T00:00:00+00:00"},
        {"tx": "e2", "is_fraud": 0, "reported_at": "2026-02-02T00:00:00Z"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    runner = CliRunner()
    args = ["labels", "import", str(path), "--id", "tx", "--fraud", "is_fraud", "--backdate"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "labels 2 (1 fraud): added 2, replayed 0" in first.stdout
    again = runner.invoke(app, args)
    assert "added 0, replayed 2" in again.stdout
    assert _stored(db_url) == [
        ("e1", True, "2026-02-01T00:00:00+00:00"),  # known from when it was reported
        ("e2", False, "2026-02-02T00:00:00+00:00"),
    ]


def test_summary_shares_of_fraud_and_genuine_not_approved(tmp_path: Path, db_url: str) -> None:
    events = tmp_path / "e.jsonl"
    pays = [wire("payment", event_id=f"p{i}", amount="10.00") for i in range(4)]
    events.write_text("".join(json.dumps(p) + "\n" for p in pays))
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(events)]).exit_code == 0
    labels = tmp_path / "labels.csv"
    labels.write_text("event_id,fraud\np0,1\np1,0\nzz,1\n")
    out = runner.invoke(app, ["labels", "summary", str(labels), "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    # no credit line: the default policy declines the revolving payments (NO_CREDIT_LINE)
    assert report["fraud"]["payments"] == 1 and report["genuine"]["payments"] == 3
    assert report["labels_without_payment"] == 1
    only = json.loads(
        runner.invoke(app, ["labels", "summary", str(labels), "--json", "--labelled-only"]).stdout
    )
    assert only["genuine"]["payments"] == 1
    text = runner.invoke(app, ["labels", "summary", str(labels)])
    assert "fraud: 1 payments" in text.stdout and "genuine: 3 payments" in text.stdout


def test_summary_from_the_label_store(tmp_path: Path, db_url: str) -> None:
    events = tmp_path / "e.jsonl"
    pays = [wire("payment", event_id=f"s{i}", amount="10.00") for i in range(3)]
    events.write_text("".join(json.dumps(p) + "\n" for p in pays))
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(events)]).exit_code == 0
    cb = tmp_path / "cb.csv"
    cb.write_text(
        "event_id,fraud,reported_at\ns0,1,2026-01-01T00:00:00Z\ns1,0,2026-01-01T00:00:00Z\n"
    )
    assert runner.invoke(app, ["labels", "import", str(cb)]).exit_code == 0
    out = runner.invoke(app, ["labels", "summary", "--json", "--labelled-only"])
    report = json.loads(out.stdout)
    assert (report["fraud"]["payments"], report["genuine"]["payments"]) == (1, 1)
