"""The model lab's report and monitoring page in Debian's Chromium, opened from disk as a user
opens them: every chart renders, nothing is fetched from elsewhere, no console errors.

Skips without ``/usr/bin/chromium`` or Playwright (fails under ``CI=true``), like the console's
browser tests. Screenshots for the docs come from ``scripts/lab-screenshot``, not from here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riskline.lab.monitor import drift, load_profile, write_report
from riskline.lab.report import publish
from riskline.scoring import ModelRegistry
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.lab.lab_runs import credit_table, lab_run
from tests.services import CHROMIUM, chromium_problem, unavailable


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A published scorecard report and a monitoring report of a shifted period."""
    problem = chromium_problem()
    if problem:
        unavailable(problem)
    root = tmp_path_factory.mktemp("registry")
    run = lab_run(root)
    report = publish(run)
    model, meta = ModelRegistry(root).load(run.name, run.version)
    result = drift(
        model,
        meta,
        load_profile(run.model_dir, meta),
        credit_table(seed=5, shift=0.3),
        source="next-quarter.csv",
    )
    return {"report": report, "monitor": write_report(result, root / "monitoring")}


@pytest.fixture(scope="module")
def browser(pages: dict[str, Path]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _open(browser: Any, path: Path) -> tuple[Any, list[str]]:
    """The page at ``path`` (file://) once loaded, and its problems: console errors, script
    errors, requests that failed or left the page's folder."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed {r.url}"))
    folder = path.parent.as_uri()

    def request(r: Any) -> None:
        if not r.url.startswith(folder):
            problems.append(f"outside the report folder: {r.url}")

    page.on("request", request)
    page.goto(path.as_uri(), wait_until="load")
    return page, problems


def _image_widths(page: Any) -> dict[str, int]:
    widths: dict[str, int] = page.evaluate(
        "() => Object.fromEntries([...document.images].map(i => [i.getAttribute('src'),"
        " i.complete ? i.naturalWidth : 0]))"
    )
    return widths


def test_report_charts_render_without_console_errors(browser: Any, pages: dict[str, Path]) -> None:
    page, problems = _open(browser, pages["report"])
    widths = _image_widths(page)
    assert {"roc.png", "ks.png", "gain.png", "lift.png", "score.png"} <= set(widths)
    assert len(widths) >= 9, widths
    assert all(w > 0 for w in widths.values()), widths
    assert page.locator("#bands-table tr").count() > 5
    assert page.locator("#points-table tr").count() > 5
    assert problems == []
    page.close()


def test_monitoring_page_renders_and_shows_the_alert(browser: Any, pages: dict[str, Path]) -> None:
    page, problems = _open(browser, pages["monitor"])
    widths = _image_widths(page)
    assert widths and all(w > 0 for w in widths.values()), widths
    row = page.locator("#drift-table tr", has_text="utilization")
    assert row.locator("td.alert").inner_text() == "alert"
    assert problems == []
    page.close()
