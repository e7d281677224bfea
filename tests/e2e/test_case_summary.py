"""The case page leads with why the case is there: the summary is above the fold at 1400x900.

Screenshots for docs/console.md go to ``$RISKLINE_ARTIFACTS/e2e`` like the other browser tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import Server
from tests.e2e.test_console_browser import _login, _page

FOLD = {"width": 1400, "height": 900}


def _open_ring_case(page: Any, server: Server) -> None:
    _login(page, server, "bob", path="/queue")
    page.wait_for_url("**/console/queue")
    page.locator('tr[data-group*="account_farm"] a').first.click()
    page.wait_for_url("**/console/cases/*")


def test_ring_case_summary_is_above_the_fold(
    server: Server, browser_context: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page, problems = _page(browser_context)
    page.set_viewport_size(FOLD)
    _open_ring_case(page, server)
    summary = page.get_by_test_id("case-summary")
    expect(summary).to_contain_text("DEVICE_SHARED_MANY_ACCOUNTS")
    expect(summary).to_contain_text("account_farm")  # the ring
    expect(summary.locator("li[data-reason]").first).to_contain_text("decisions")
    box = summary.bounding_box()
    assert box is not None and box["y"] >= 0
    assert box["y"] + box["height"] <= FOLD["height"], box  # all of it, before any scrolling
    for below in ("#timeline", "#graph", "#audit"):  # and it comes before the evidence
        other = page.locator(below).bounding_box()
        assert other is not None and other["y"] > box["y"], below
    audit = page.locator("#audit details")
    expect(audit).not_to_have_attribute("open", "")  # the audit trail starts collapsed
    assert "e+" not in summary.inner_text()  # numbers for people
    page.screenshot(path=str(artifacts / "case-summary-fold.png"))
    assert problems == [], problems
    page.close()
