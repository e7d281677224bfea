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
