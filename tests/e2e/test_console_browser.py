"""The analyst console in a real browser: sign-in, queue, case, four-eyes fraud confirmation.

Each test starts signed out; screenshots go to ``$RISKLINE_ARTIFACTS/e2e`` (default
``tests-artifacts/e2e``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from riskline.credit import LineStatus
from riskline.ui.tables import console_sessions
from tests.e2e.conftest import Server
from tests.ui.seed import PASSWORD


def _page(context: Any) -> tuple[Any, list[str]]:
    """A fresh signed-out page and the list its problems land in: script errors, console
    errors (CSP refusals among them) and failed static files. Pages answered with an error
    status on purpose (401, 403) are not problems."""
    context.clear_cookies()
    page = context.new_page()
    problems: list[str] = []

    def console(m: Any) -> None:
        if m.type == "error" and not m.text.startswith("Failed to load resource"):
            problems.append(m.text)

    def response(r: Any) -> None:
        if "/static/" in r.url and r.status >= 400:
            problems.append(f"{r.status} {r.url}")

    page.on("console", console)
    page.on("response", response)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: d.accept())
    return page, problems


def _login(page: Any, server: Server, user: str, password: str = PASSWORD, path: str = "") -> None:
    page.goto(f"{server.url}/console{path or '/'}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def _logout(page: Any) -> None:
    page.click("text=Sign out")
    page.wait_for_url("**/console/login")


def _sessions(server: Server) -> int:
    with server.runtime.db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(console_sessions)).scalar_one())


def _post(page: Any, url: str, fields: dict[str, str], header_token: str | None = None) -> int:
    """Status of a same-origin form POST made by the page's own JavaScript (cookies sent)."""
    script = """async ([url, fields, token]) => {
        const body = new URLSearchParams(fields);
        const headers = token === null ? {} : {"X-CSRF-Token": token};
        const r = await fetch(url, {method: "POST", body, headers, redirect: "manual"});
        return r.status;
    }"""
    return int(page.evaluate(script, [url, fields, header_token]))


def test_wrong_password_is_rejected(server: Server, browser_context: Any, artifacts: Path) -> None:
    from playwright.sync_api import expect

    page, problems = _page(browser_context)
    before = _sessions(server)
    _login(page, server, "alice", "not the password at all")
    expect(page.get_by_test_id("login-error")).to_contain_text("wrong user name or password")
    assert page.url.startswith(f"{server.url}/console/login")
    assert page.context.cookies(server.url) == [] or all(
        c["name"] != "rl_console" for c in page.context.cookies(server.url)
    )
    assert _sessions(server) == before
    page.screenshot(path=str(artifacts / "login-rejected.png"))
    page.goto(f"{server.url}/console/queue")
    assert "/console/login" in page.url  # still signed out
    assert problems == []
    page.close()


def test_analyst_cannot_reach_admin_pages(
    server: Server, browser_context: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page, problems = _page(browser_context)
    _login(page, server, "bob")
    page.wait_for_url("**/console/queue")
    expect(page.locator("nav >> text=Users")).to_have_count(0)
    response = page.goto(f"{server.url}/console/admin/users")
    assert response is not None and response.status == 403
    expect(page.get_by_test_id("error-message")).to_contain_text("admin role")
    page.screenshot(path=str(artifacts / "analyst-forbidden-admin.png"))
    _logout(page)
    _login(page, server, "ada", path="/admin/users")
    page.wait_for_url("**/console/admin/users")
    expect(page.locator("tr[data-user=bob]")).to_contain_text("analyst")
    assert problems == []
    page.close()


def test_confirm_fraud_with_four_eyes_closes_the_line(
    server: Server, browser_context: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page, problems = _page(browser_context)
    store = server.runtime.store

    # analyst: sign in, lands on the queue, opens the review case of person p1
    _login(page, server, "alice", path="/queue")
    page.wait_for_url("**/console/queue")
    row = page.locator('tr[data-group="person:p1"]')
    expect(row).to_have_count(1)
    page.screenshot(path=str(artifacts / "queue.png"), full_page=True)
    case_id = row.get_attribute("data-case")
    row.locator("a").first.click()
    page.wait_for_url(f"**/console/cases/{case_id}")
    expect(page.get_by_test_id("case-status")).to_have_text("open")
    expect(page.locator("#decisions")).to_contain_text("CASHOUT_PATTERN")
    expect(page.locator("#timeline")).to_contain_text("4800.00")  # the night purchase
    expect(page.locator("tr[data-line=ln_revolving_a1]")).to_have_attribute(
        "data-status",
        "frozen",  # the engine's 30-day freeze, pending the review
    )
    assert [h.actor.kind for h in store.line_history("ln_revolving_a1")] == ["engine"]
    details = page.locator("#decisions details.decision").first
    details.locator("summary").click()  # HTMX loads reasons, scores and features on opening
    expect(details.locator("table.features tbody tr")).not_to_have_count(0)
    expect(details.locator(".reasons")).to_contain_text("a way to turn credit into cash")
    expect(page.locator(".graph.drawn")).to_have_count(1)  # cytoscape.js drew the neighbourhood
    assert int(page.locator(".graph").get_attribute("data-nodes") or 0) >= 2
    page.screenshot(path=str(artifacts / "case-open.png"), full_page=True)

    # a POST without the CSRF token (or with a wrong one) is refused and changes nothing
    assign = f"{server.url}/console/cases/{case_id}/assign"
    assert _post(page, assign, {"assignee": "alice"}) == 403
    assert _post(page, assign, {"assignee": "alice", "csrf_token": "forged"}) == 403
    assert _post(page, assign, {"assignee": "alice"}, header_token="forged") == 403
    assert _case(server, case_id).assignee is None
    assert _post(page, f"{server.url}/console/cases/{case_id}/approve", {}, None) == 403

    # confirm fraud, blocklisting and closing asked (the engine already froze the lines while
    # the review is open): the case waits for four eyes, the lines stay frozen meanwhile
    page.get_by_test_id("fraud-why").fill(
        "Maxed out at night in one round sum; identity looks borrowed."
    )
    page.locator("form:has([data-testid=confirm-fraud]) input[name=close]").check()
    page.get_by_test_id("confirm-fraud").click()
    expect(page.get_by_test_id("case-status")).to_have_text("pending_approval")
    expect(page.get_by_test_id("case-message")).to_contain_text("waiting for a supervisor")
    expect(page.locator("tr[data-line=ln_revolving_a1]")).to_have_attribute("data-status", "frozen")
    expect(page.get_by_test_id("approve")).to_have_count(0)  # analysts cannot approve
    page.screenshot(path=str(artifacts / "case-pending-approval.png"), full_page=True)
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    assert _post(page, f"{server.url}/console/cases/{case_id}/approve", {}, token) == 403
    assert _case(server, case_id).status.value == "pending_approval"
    _logout(page)

    # supervisor approves: the case closes as fraud
    _login(page, server, "sam", path=f"/cases/{case_id}")
    page.wait_for_url(f"**/console/cases/{case_id}")
    expect(page.locator("#pending")).to_contain_text("alice")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("case-status")).to_have_text("closed")
    expect(page.get_by_test_id("case-resolution")).to_have_text("fraud")
    expect(page.locator("#audit")).to_contain_text("approved")
    page.screenshot(path=str(artifacts / "case-approved.png"), full_page=True)

    # the person's account page shows the line closed, and so does the database
    page.goto(f"{server.url}/console/persons/p1")
    expect(page.locator("tr[data-line=ln_revolving_a1]")).to_have_attribute("data-status", "closed")
    page.screenshot(path=str(artifacts / "person-closed.png"), full_page=True)
    line = store.get_line("ln_revolving_a1")
    assert line.status is LineStatus.CLOSED
    history = store.line_history("ln_revolving_a1")
    assert [(h.action, h.actor.kind) for h in history] == [
        ("freeze", "engine"),
        ("close", "analyst"),
    ]
    assert history[-1].actor.id == "sam"  # the close waited for the approving supervisor
    assert "FRAUD_CONFIRMED" in history[-1].reasons
    assert store.get_line("ln_revolving_a2").status is LineStatus.ACTIVE
    blocked = {(e.kind, e.value) for e in server.runtime.lists.entries("block")}
    assert ("account", "a1") in blocked and ("account", "a2") not in blocked

    page.goto(f"{server.url}/console/dashboard")
    expect(page.locator("#outcomes svg rect")).not_to_have_count(0)
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)
    assert problems == [], problems
    page.close()


def _case(server: Server, case_id: str | None) -> Any:
    assert case_id is not None
    return server.runtime.cases.get(case_id)


def test_ring_case_shows_ring_members(
    server: Server, browser_context: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page, problems = _page(browser_context)
    _login(page, server, "bob", path="/queue")
    page.wait_for_url("**/console/queue")
    row = page.locator('tr[data-group*="account_farm"]')
    expect(row).to_have_count(1)
    row.locator("a").first.click()
    ring = page.locator("#rings li[data-ring]")
    expect(ring).to_have_count(1)
    expect(ring).to_contain_text("account_farm")
    for i in range(6):
        expect(ring.locator(f'a[href="/console/accounts/fa{i}"]')).to_have_count(1)
    expect(page.locator("#decisions")).to_contain_text("DEVICE_SHARED_MANY_ACCOUNTS")
    graph = page.locator(".graph.drawn")
    expect(graph).to_have_count(1)
    assert int(graph.get_attribute("data-nodes") or 0) >= 7  # the accounts around the device
    page.screenshot(path=str(artifacts / "ring-case.png"), full_page=True)
    assert problems == [], problems
    page.close()
