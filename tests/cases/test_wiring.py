"""The writer runs the projections by itself after each commit; a failing hook is retried."""

from __future__ import annotations

import logging

import pytest

from riskline.events import PiiHasher, parse_event
from riskline.runtime import Runtime
from tests.cases.helpers import farm


def _two_calls(rt: Runtime) -> None:
    """The hooks that follow the first call have run once the second call is answered."""
    rt.ingestor.call(lambda: None).result()
    rt.ingestor.call(lambda: None).result()


def test_the_writer_projects_after_each_commit_by_itself(rt: Runtime) -> None:
    hasher = PiiHasher(rt.settings.pii_key)
    rt.ingestor.process([parse_event(b, hasher) for b in farm()])
    _two_calls(rt)
    (case,) = rt.cases.queue()
    assert case.decisions >= 2
    assert rt.notices.notices_for(account_id="fa5")


def test_a_failing_hook_is_logged_and_runs_again_next_time(
    rt: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database blinked")

    rt.ingestor.after_commit.insert(0, flaky)
    hasher = PiiHasher(rt.settings.pii_key)
    with caplog.at_level(logging.ERROR, logger="riskline.service"):
        rt.ingestor.process([parse_event(b, hasher) for b in farm()])
        _two_calls(rt)
    assert len(calls) >= 2  # retried after the next commit or call
    assert "after-commit hook failed" in caplog.text
    assert rt.cases.queue()  # the hooks after the failing one still ran


def test_projections_off_then_the_cli_brings_them_up(
    rt_settings, clock, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from riskline.cli import app
    from riskline.runtime import build_runtime

    quiet = build_runtime(rt_settings, clock=clock, projections=False)
    try:
        hasher = PiiHasher(quiet.settings.pii_key)
        quiet.ingestor.process([parse_event(b, hasher) for b in farm()])
        _two_calls(quiet)
        assert quiet.cases.queue() == []
        monkeypatch.setenv("RISKLINE_DATABASE_URL", rt_settings.database_url)
        monkeypatch.setenv("RISKLINE_PII_SECRET", "test-secret-0123456789")
        res = CliRunner().invoke(app, ["cases", "project"])
        assert res.exit_code == 0, res.output
        assert "3 decisions linked" in res.output
        cases = quiet.cases.queue()  # no link graph outside the server: one case per person
        assert sorted(c.group_key for c in cases) == ["fp3", "fp4", "fp5"]
        assert {c.group_kind for c in cases} == {"person"}
        again = CliRunner().invoke(app, ["cases", "project"])
        assert "0 decisions linked to cases, 0 notices written" in again.output
    finally:
        quiet.close()
