"""Governed authoring in Chromium: an analyst drafts a rule with a syntax error (shown at its
caret), fixes it and backtests it on the ledger; a supervisor approves and publishes it; the
next event carries its reason; a rollback takes it out again; the audit chain verifies.

Screenshots go to ``$RISKLINE_ARTIFACTS/e2e`` (default ``tests-artifacts/e2e``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from riskline.events import parse_event
from riskline.rules import EXAMPLE_RULESET
from riskline.storage.audit import AuditLog
from tests.e2e.conftest import Server
from tests.e2e.test_console_browser import _login, _logout, _page
from tests.factories import T0, wire

RULE = """
  - id: every_payment
    events: [payment]
    when: event.amount >= 1
    outcome: review
    reason_code: EVERY_PAYMENT
    text_key: notice.test
    owner: fraud-ops
"""
BROKEN = RULE.replace(">= 1", ">= = 1")


def _next_payment(server: Server, n: int) -> tuple[str, ...]:
    """Post a payment of account a2 through the running engine; its reason codes."""
    event = parse_event(
        wire(
            "payment",
            at=T0 + timedelta(days=60, minutes=n),
            event_id=f"e2e-authoring-{n}",
            account_id="a2",
            device_id="d2",
            amount="30.00",
        ),
        server.runtime.hasher,
    )
    return server.runtime.ingestor.process([event]).decisions[0].reason_codes


def test_draft_check_backtest_approve_publish_rollback(
    server: Server, browser_context: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page, problems = _page(browser_context)
    _login(page, server, "alice")
    page.wait_for_url("**/console/**")
    page.goto(f"{server.url}/console/authoring")
    editor = page.get_by_test_id("editor")
    baseline = EXAMPLE_RULESET.read_text()
    editor.fill(baseline + BROKEN)
    caret = page.get_by_test_id("caret")
    expect(caret).to_be_visible()
    source = "    when: event.amount >= = 1"
    column = source.index("= 1") + 1
    expect(caret).to_have_text(f"{source}\n{' ' * (column - 1)}^")
    line = (baseline + BROKEN).splitlines().index(source) + 1
    problem = page.locator(".problem").first
    expect(problem).to_have_attribute("data-line", str(line))
    expect(problem).to_have_attribute("data-column", str(column))
    page.screenshot(path=str(artifacts / "authoring-error-caret.png"))

    editor.fill(baseline + RULE)
    expect(page.get_by_test_id("check-ok")).to_be_visible()
    page.get_by_test_id("reason").fill("review every payment while the ring is active")
    page.get_by_test_id("save-draft").click()
    page.wait_for_url("**/console/authoring/versions/*")
    version = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("status")).to_have_text("draft")

    page.get_by_test_id("bt-from").fill(T0.date().isoformat())
    page.get_by_test_id("bt-to").fill((T0 + timedelta(days=3)).date().isoformat())
    page.get_by_test_id("backtest").click()
    figures = page.get_by_test_id("backtest-figures")
    expect(figures).to_be_visible(timeout=60_000)
    expect(figures.locator('tr[data-check="EVERY_PAYMENT"]')).to_be_visible()
    expect(figures.locator("tr.diff").first).to_contain_text("approve")
    page.screenshot(path=str(artifacts / "authoring-backtest.png"), full_page=True)
    assert page.get_by_test_id("approve").count() == 0  # analysts do not approve
    _logout(page)

    assert "EVERY_PAYMENT" not in _next_payment(server, 1)
    _login(page, server, "sam", path=f"/authoring/versions/{version}")
    page.wait_for_url(f"**/console/authoring/versions/{version}")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("approver")).to_contain_text("sam")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_have_text("published")
    assert "EVERY_PAYMENT" in _next_payment(server, 2)  # the next event

    page.goto(f"{server.url}/console/authoring")
    expect(page.get_by_test_id("in-force-rules")).to_contain_text(f"version {version}")
    page.get_by_test_id("rollback-rules").click()
    expect(page.get_by_test_id("in-force-rules")).to_contain_text("the configured file")
    assert "EVERY_PAYMENT" not in _next_payment(server, 3)
    page.screenshot(path=str(artifacts / "authoring-rolled-back.png"), full_page=True)

    report = AuditLog(server.runtime.db).verify()
    assert report.ok, report.breaches
    with server.runtime.db.connect() as conn:
        kinds = [e.kind for e in AuditLog(server.runtime.db).entries(conn)]
    assert [k for k in kinds if k.startswith("authoring.")] == [
        "authoring.draft",
        "authoring.approve",
        "authoring.publish",
        "authoring.rollback",
    ]
    assert problems == []
