"""Filing from a case: only a case closed as fraud through four-eyes approval can be filed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from riskline.cases import ConfirmFraud, Reviewer, ReviewerRole
from riskline.cli import app
from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.runtime import Runtime, build_runtime
from tests.cases.helpers import decide, farm
from tests.conftest import SECRET
from tests.consortium.conftest import CONSORTIUM_KEY, needs_psi


@pytest.fixture
def rt(tmp_path: Path, clock: FixedClock) -> Iterator[Runtime]:
    runtime = build_runtime(
        Settings(database_url=f"sqlite:///{tmp_path}/main.db", pii_secret=SECRET), clock=clock
    )
    yield runtime
    runtime.close()


@needs_psi
def test_file_reads_the_four_eyes_outcome_from_the_case(
    rt: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKLINE_CONSORTIUM_KEY", CONSORTIUM_KEY.decode())
    monkeypatch.setenv("RISKLINE_DATABASE_URL", rt.settings.database_url)
    monkeypatch.setenv("RISKLINE_PII_SECRET", SECRET)
    node = ["consortium", "--db", f"sqlite:///{tmp_path / 'node.db'}", "--member", "bank-a"]
    decide(rt, *farm())
    (case,) = rt.cases.queue()
    analyst = Reviewer("ann", ReviewerRole.ANALYST)
    rt.cases.act(case.case_id, ConfirmFraud("one device, six people", blocklist=True), analyst)
    filing = [
        *node,
        "file",
        "--case",
        case.case_id,
        "--reason",
        "identity_fraud",
        "--evidence",
        f"case:{case.case_id}",
        "--phone",
        "+8613900001000",
    ]
    pending = CliRunner().invoke(app, filing)
    assert pending.exit_code == 2 and "four-eyes" in pending.output  # not approved yet
    rt.cases.approve(case.case_id, Reviewer("bob", ReviewerRole.SUPERVISOR), "agreed")
    filed = CliRunner().invoke(app, filing)
    assert filed.exit_code == 0, filed.output
    published = CliRunner().invoke(app, [*node, "publish"])
    assert json.loads(published.output)["blacklist"]["entries"] == 1
    unknown = CliRunner().invoke(app, [*filing[:5], "no-such-case", *filing[6:]])
    assert unknown.exit_code == 2
