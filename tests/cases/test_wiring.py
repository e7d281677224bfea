"""The writer runs the projections by itself after each commit; a failing hook is retried."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable

import pytest

from riskline.events import PiiHasher, parse_event
from riskline.runtime import Runtime
from tests.cases.helpers import farm


def _eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    """The writer projects after answering its callers: wait for it (bounded)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the writer did not project in time"
        time.sleep(0.02)


def test_the_writer_projects_after_each_commit_by_itself(rt: Runtime) -> None:
    hasher = PiiHasher(rt.settings.pii_key)
    rt.ingestor.process([parse_event(b, hasher) for b in farm()])
    _eventually(lambda: bool(rt.notices.notices_for(account_id="fa5")))
    (case,) = rt.cases.queue()
    assert case.decisions >= 2


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
        _eventually(lambda: bool(calls))
        _eventually(lambda: bool(rt.cases.queue()))  # the hooks after the failing one ran
        rt.ingestor.call(lambda: None).result()
        _eventually(lambda: len(calls) >= 2)  # retried after the next call
    assert "after-commit hook failed" in caplog.text


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
        quiet.ingestor.call(lambda: None).result()
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


def test_projections_wait_while_callers_queue_up_but_always_run_at_the_end(rt: Runtime) -> None:
    """Under load the writer defers its hooks (at most ``hooks_every`` groups), never skips."""
    runs: list[int] = []
    gate = threading.Event()
    rt.ingestor.after_commit.append(lambda: runs.append(rt.ingestor.groups))
    rt.ingestor.max_group_events = 1  # one group per event
    hasher = PiiHasher(rt.settings.pii_key)
    events = [parse_event(b, hasher) for b in farm(30, "dL", "l")]
    rt.ingestor.call(gate.wait)  # hold the writer so that every batch below queues up
    futures = [rt.ingestor.submit([e]) for e in events]
    gate.set()
    for f in futures:
        f.result()
    _eventually(lambda: bool(runs) and runs[-1] == rt.ingestor.groups)
    assert len(runs) < rt.ingestor.groups  # deferred while others waited...
    assert all(b - a <= rt.ingestor.hooks_every + 1 for a, b in itertools.pairwise(runs))


def test_a_steady_caller_does_not_pay_for_projection_after_every_group(rt: Runtime) -> None:
    """A caller answered by one group sends its next at once (the queue is empty for a moment
    after every commit): hooks that ran less than ``hooks_interval`` ago wait for ``hooks_idle``
    of quiet or ``hooks_every`` groups."""
    runs: list[int] = []
    rt.ingestor.after_commit.append(lambda: runs.append(rt.ingestor.groups))
    rt.ingestor.hooks_interval = 0.0
    rt.ingestor.call(lambda: None).result()  # the hooks run right after it...
    _eventually(lambda: runs == [rt.ingestor.groups])
    rt.ingestor.hooks_idle = rt.ingestor.hooks_interval = 5.0  # ...and not again for a while
    hasher = PiiHasher(rt.settings.pii_key)
    start = rt.ingestor.groups
    for e in [parse_event(b, hasher) for b in farm(40, "dS", "s")]:
        rt.ingestor.process([e])  # one group each, submitted as soon as the last is answered
    every = rt.ingestor.hooks_every + 1
    groups = rt.ingestor.groups - start
    assert [r - start for r in runs] == [0, *range(every, groups + 1, every)]
    rt.ingestor.hooks_idle = 0.01  # quiet now: the rest is projected without another event
    rt.ingestor.call(lambda: None).result()
    _eventually(lambda: runs[-1] == rt.ingestor.groups)
