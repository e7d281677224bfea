"""The monitoring page for analysts and supervisors, and the same series on ``/metrics``."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from riskline.api.periodic import monitoring_pass
from riskline.cases import Clear, Reviewer, ReviewerRole
from riskline.monitoring import Alert, AlertBook
from riskline.runtime import Runtime
from riskline.storage.tables import decisions

ANALYST = ReviewerRole.ANALYST


def _text(html: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_analyst_sees_checks_mix_and_alerts_of_the_newest_day(
    client: TestClient, runtime: Runtime, signed_in: Callable[[str], str]
) -> None:
    anonymous = client.get("/console/monitoring", follow_redirects=False)
    assert anonymous.status_code == 303 and "/console/login" in anonymous.headers["location"]
    AlertBook(runtime.db, runtime.engine.clock).fire(
        [Alert("decline_rate", "rate", "decline", "2026-03-16", 0.5, 0.25,
               "decline rate 50.0% of 200 decisions today > 25.0%", {})]
    )  # fmt: skip
    signed_in("alice")

    page = client.get("/console/monitoring?day=newest")

    assert page.status_code == 200
    html = page.text
    assert 'href="/console/monitoring" class="active"' in html  # the nav link
    # the seed: p1's night cash-out purchase is reviewed on the newest day, its only decision
    assert re.search(r'data-testid="check-CASHOUT_PATTERN">.*?<td class="num">1</td>', html)
    assert re.search(r'data-testid="mix-review">100.0 %<', html)
    assert re.search(r'data-testid="freeze-rate">100.0 %<', html)  # and it froze the line
    text = _text(html)
    assert "decline rate 50.0% of 200 decisions today > 25.0%" in text
    assert html.count('data-testid="alert"') == 1
    assert "Hits per day of CASHOUT_PATTERN" in html  # its chart is drawn
    assert client.get("/console/monitoring?day=2026-13-45").status_code == 422


def test_supervisor_may_read_the_page(client: TestClient, signed_in: Callable[[str], str]) -> None:
    signed_in("sam")
    assert client.get("/console/monitoring").status_code == 200


def test_metrics_carry_the_monitoring_gauges(client: TestClient, runtime: Runtime) -> None:
    """One monitoring pass on the newest day; p1's cash-out review is cleared by an analyst."""
    case = runtime.cases.queue()[0]
    runtime.cases.act(case.case_id, Clear("a laptop for the family"), Reviewer("alice", ANALYST))
    with runtime.db.connect() as conn:
        newest = conn.execute(select(func.max(decisions.c.occurred_at))).scalar_one()
    runtime.engine.clock.at = newest  # type: ignore[attr-defined]
    state = client.app.state  # type: ignore[attr-defined]
    _, token = runtime.keys.create("ops", "admin")

    report = monitoring_pass(state.monitor, state.metrics)
    text = client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).text

    cashout = {c.code: c for c in report.series.checks}["CASHOUT_PATTERN"]
    assert (cashout.today, cashout.closed, cashout.precision) == (1, 1, 0.0)
    assert 'riskline_check_hits_today{check="CASHOUT_PATTERN"} 1.0' in text
    assert 'riskline_check_precision{check="CASHOUT_PATTERN"} 0.0' in text
    assert 'riskline_check_closed_cases{check="CASHOUT_PATTERN"} 1.0' in text
    assert 'riskline_decision_mix_today{outcome="review"} 1.0' in text
    assert 'riskline_decision_mix_today{outcome="approve"} 0.0' in text
    assert "riskline_freeze_rate_today 1.0" in text
