"""File ingestion: JSONL, CSV and Parquet; bad lines reported, never half-applied."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from riskline.cli import app
from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.ingest import ingest_file
from riskline.runtime import Runtime, build_runtime
from tests.conftest import SECRET, ScriptedFeatures
from tests.factories import wire


@pytest.fixture
def runtime(settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    rt = build_runtime(settings, clock=clock, features=ScriptedFeatures())
    yield rt
    rt.close()


def _rows() -> list[dict[str, object]]:
    return [
        wire("account_opened", event_id="r1"),
        wire("payment", event_id="r2", amount="10.00"),
        wire("payment", event_id="r3", amount="-4"),
        wire("payment", event_id="r4", amount="20.00"),
    ]


def test_jsonl_with_bad_lines(tmp_path: Path, runtime: Runtime) -> None:
    path = tmp_path / "events.jsonl"
    lines = [json.dumps(r) for r in _rows()]
    lines.insert(2, "{broken json")
    lines.append(json.dumps(dict(_rows()[1], amount="99.00")))  # r2 again, different content
    lines.append("[1]")
    path.write_text("\n".join(lines) + "\n")
    report = ingest_file(path, runtime.ingestor, runtime.hasher, batch_size=2)
    assert report.accepted == 3 and report.replayed == 0
    assert [n for n, _ in report.errors] == [3, 4, 6, 7]
    messages = dict(report.errors)
    assert "not valid JSON" in messages[3]
    assert "amount" in messages[4]
    assert "different content" in messages[6]
    assert runtime.store.count_events() == 3
    assert {e.event_id for e in runtime.store.iter_events()} == {"r1", "r2", "r4"}
    again = ingest_file(path, runtime.ingestor, runtime.hasher)
    assert (again.accepted, again.replayed) == (0, 3)
    assert runtime.store.count_events() == 3


def test_csv_and_parquet(tmp_path: Path, runtime: Runtime) -> None:
    rows = [r for r in _rows() if r["event_id"] != "r3"]
    rows.append(wire("login", event_id="r5"))
    columns = sorted({k for r in rows for k in r})
    flat = [{k: json.dumps(v) if isinstance(v, dict) else v for k, v in r.items()} for r in rows]
    csv_path = tmp_path / "events.csv"
    with csv_path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(flat)
    report = ingest_file(csv_path, runtime.ingestor, runtime.hasher)
    assert (report.accepted, report.rejected) == (4, 0), report.errors
    pq = tmp_path / "events.parquet"
    pl.DataFrame(
        [{c: (None if r.get(c) is None else str(r[c])) for c in columns} for r in flat]
    ).write_parquet(pq)
    report = ingest_file(pq, runtime.ingestor, runtime.hasher)
    assert (report.accepted, report.replayed, report.rejected) == (0, 4, 0), report.errors


def test_cli_ingest_schema_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("RISKLINE_PII_SECRET", SECRET)
    runner = CliRunner()
    schema = runner.invoke(app, ["schema"])
    assert schema.exit_code == 0 and "PaymentIn" in schema.stdout
    key = runner.invoke(app, ["keys", "create", "ops", "--role", "admin"])
    assert key.exit_code == 0 and "rk_" in key.stdout
    bad_role = runner.invoke(app, ["keys", "create", "ops", "--role", "god"])
    assert bad_role.exit_code == 2 and "unknown role" in bad_role.stderr
    path = tmp_path / "e.jsonl"
    path.write_text(json.dumps(wire("account_opened", event_id="c1")) + "\n{bad\n")
    errors = tmp_path / "errors.jsonl"
    result = runner.invoke(app, ["ingest", str(path), "--errors", str(errors)])
    assert result.exit_code == 3  # some lines rejected, the rest decided
    assert "accepted 1" in result.stdout
    assert json.loads(errors.read_text())["line"] == 2
    wrong = runner.invoke(app, ["ingest", str(tmp_path / "x.txt")])
    assert wrong.exit_code == 2


def test_cli_reports_bad_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKLINE_DATABASE_URL", "mysql://nope")
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2 and "unsupported database" in result.stderr


def test_wrk_output_is_parsed() -> None:
    from riskline.bench.wrk import _find, _latency

    sample = """Running 10s test @ http://127.0.0.1:1
  Latency Distribution
     50%   46.04ms
     75%   60.00ms
     99%  1.20s
  6808 requests in 10.06s, 3.59MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    676.76
"""
    assert _latency(sample, 50) == 46040.0
    assert _latency(sample, 99) == 1_200_000.0
    assert _find(r"Requests/sec:\s+([\d.]+)", sample) == "676.76"
    assert _find(r"Non-2xx or 3xx responses:\s+(\d+)", sample, "0") == "3"


def test_train_fraud_on_own_payment_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    rng = np.random.default_rng(8)
    n = 3000
    payer = rng.integers(0, 300, n)
    bad_payee = rng.random(n) < 0.08
    payee = np.where(bad_payee, 999, rng.integers(0, 50, n))
    rows = pl.DataFrame(
        {
            "src": [f"u{p}" for p in payer],
            "dst": [f"m{p}" for p in payee],
            "amt": np.round(rng.gamma(2.0, 50.0, n) + bad_payee * 400, 2),
            "ts": np.sort(rng.integers(1_700_000_000, 1_700_900_000, n)),
            "fraud": bad_payee.astype(int),
        }
    )
    path = tmp_path / "payments.csv"
    rows.write_csv(path)
    monkeypatch.setenv("RISKLINE_MODEL_DIR", str(tmp_path / "models"))
    args = ["train", "fraud", str(path), "--target", "fraud", "--time", "ts"]
    # ten days of history: a one-day label delay (the gap before the test period)
    own = ["--payer", "src", "--payee", "dst", "--amount", "amt", "--label-delay", "1"]
    ok = CliRunner().invoke(app, [*args, *own])
    assert ok.exit_code == 0, ok.output
    assert "fraud-history v1" in ok.stdout
    auc = float(next(line for line in ok.stdout.splitlines() if " auc " in line).split("│")[2])
    assert auc > 0.9
    partial = CliRunner().invoke(app, [*args, "--payer", "src"])
    assert partial.exit_code == 2
    assert "go together" in partial.stderr


def test_redis_feature_store_needs_a_reachable_redis(settings: Settings) -> None:
    from riskline.errors import Unavailable

    unreachable = {"feature_store": "redis", "redis_url": "redis://127.0.0.1:1/0"}
    with pytest.raises(Unavailable, match="shared state at redis://127"):
        build_runtime(settings.model_copy(update=unreachable))
