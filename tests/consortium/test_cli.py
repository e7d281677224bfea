"""``riskline consortium``: file, dispute, review, publish, audit on a node database; bench."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from riskline.cli import app
from riskline.consortium import load_psi
from riskline.errors import Unavailable
from tests.consortium.conftest import CONSORTIUM_KEY, needs_psi


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("RISKLINE_CONSORTIUM_KEY", CONSORTIUM_KEY.decode())
    return ["consortium", "--db", f"sqlite:///{tmp_path / 'node.db'}", "--member", "bank-a"]


def _json(output: str) -> object:
    return json.loads(output[: output.rindex("}") + 1] if "run `" in output else output)


@needs_psi
def test_file_dispute_review_publish_from_the_command_line(env: list[str]) -> None:
    run = CliRunner().invoke
    filing = [
        "file",
        "--case",
        "c-1",
        "--analyst",
        "ann",
        "--approver",
        "ann",
        "--reason",
        "cash_out",
        "--evidence",
        "case:c-1",
        "--phone",
        "+8613900000001",
    ]
    refused = run(app, [*env, *filing])
    assert refused.exit_code == 2 and "four-eyes" in refused.output
    filing[filing.index("--approver") + 1] = "bob"
    filed = run(app, [*env, *filing])
    assert filed.exit_code == 0, filed.output
    assert "13900000001" not in filed.output
    published = run(app, [*env, "publish"])
    assert published.exit_code == 0, published.output
    assert json.loads(published.output)["blacklist"]["entries"] == 1
    opened = run(app, [*env, "dispute", "--phone", "+86 139 0000 0001"])
    entry_id = json.loads(opened.output)["entries"][0]["entry_id"]
    assert json.loads(run(app, [*env, "publish"]).output)["blacklist"]["entries"] == 0
    upheld = run(app, [*env, "review", entry_id, "--uphold"])
    assert json.loads(upheld.output)["entry"]["dispute"] == "upheld"
    assert json.loads(run(app, [*env, "publish"]).output)["blacklist"]["entries"] == 1
    assert json.loads(run(app, [*env, "audit"]).output) == {"records": []}


@needs_psi
def test_applied_records_recent_applicants_for_publication(env: list[str], tmp_path: Path) -> None:
    csv_path = tmp_path / "seen.csv"
    csv_path.write_text("ref,phone,id\n1,+8613900000001,110101199003071111\n2,+8613900000002,\n")
    result = CliRunner().invoke(app, [*env, "applied", str(csv_path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"recorded": 3}
    published = json.loads(CliRunner().invoke(app, [*env, "publish"]).output)
    assert published["applicants"]["entries"] == 3


def test_missing_consortium_key_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RISKLINE_CONSORTIUM_KEY", raising=False)
    result = CliRunner().invoke(
        app, ["consortium", "--db", f"sqlite:///{tmp_path}/n.db", "publish"]
    )
    assert result.exit_code == 2 and "RISKLINE_CONSORTIUM_KEY must be set" in result.output


@needs_psi
def test_bench_prints_time_and_bytes() -> None:
    result = CliRunner().invoke(app, ["consortium", "bench", "--list", "3000", "--query", "300"])
    assert result.exit_code == 0, result.output
    assert "matches expected=3 found=3" in result.output
    assert "bytes per query: request" in result.output and "setup" in result.output


def test_missing_psi_library_gives_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "private_set_intersection.python", None)
    with pytest.raises(Unavailable, match=r"riskline\[consortium\]"):
        load_psi()
