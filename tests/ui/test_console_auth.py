"""Sign-in, cookies, CSRF, roles and security headers of the console (FastAPI TestClient)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from riskline.api import create_app
from riskline.runtime import Runtime
from riskline.ui import UserStore
from riskline.ui.tables import console_sessions
from tests.ui.conftest import csrf_of, login
from tests.ui.seed import PASSWORD


def _sessions(runtime: Runtime) -> int:
    with runtime.db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(console_sessions)).scalar_one())


def test_pages_need_a_session(client: TestClient) -> None:
    r = client.get("/console/cases/c_x?tab=1", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/console/login?next=%2Fconsole%2Fcases%2Fc_x%3Ftab%3D1"
    hx = client.get(
        "/console/queue/rows",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/console/queue"},
    )
    assert hx.status_code == 401
    assert hx.headers["HX-Redirect"] == "/console/login?next=%2Fconsole%2Fqueue"
    assert (
        client.get("/console/graph/data?entity=account:a1", follow_redirects=False).status_code
        == 303
    )


def test_login_sets_a_hardened_cookie_and_goes_to_next(
    client: TestClient, runtime: Runtime
) -> None:
    page = client.get("/console/login?next=/console/accounts/a1")
    assert 'value="/console/accounts/a1"' in page.text
    login_cookie = page.headers["set-cookie"]
    assert "HttpOnly" in login_cookie and "samesite=strict" in login_cookie.lower()
    r = client.post(
        "/console/login",
        data={
            "username": "alice",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "/console/accounts/a1",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/console/accounts/a1"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("rl_console="))
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert (
        "Path=/console/" in cookie and "Secure" not in cookie
    )  # RISKLINE_CONSOLE_SECURE_COOKIE=never
    assert _sessions(runtime) == 1
    assert client.get("/console/accounts/a1").status_code == 200


@pytest.mark.parametrize(
    ("base", "secure"), [("http://localhost", False), ("https://risk.example.com", True)]
)
def test_secure_flag_is_on_except_for_loopback(runtime: Runtime, base: str, secure: bool) -> None:
    runtime.settings.console.secure_cookie = "auto"  # RISKLINE_CONSOLE_SECURE_COOKIE=auto
    client = TestClient(create_app(runtime), base_url=base)
    page = client.get("/console/login")
    assert ("Secure" in page.headers["set-cookie"]) is secure
    r = client.post(
        "/console/login",
        data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("rl_console="))
    assert ("Secure" in cookie) is secure


def test_wrong_password_gives_no_session(client: TestClient, runtime: Runtime) -> None:
    page = client.get("/console/login")
    r = client.post(
        "/console/login",
        data={
            "username": "alice",
            "password": "wrong password!!",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert r.status_code == 401 and "wrong user name or password" in r.text
    assert not any(c.startswith("rl_console=") for c in r.headers.get_list("set-cookie"))
    assert _sessions(runtime) == 0
    assert client.get("/console/queue", follow_redirects=False).status_code == 303


def test_login_needs_its_csrf_token(client: TestClient, runtime: Runtime) -> None:
    client.get("/console/login")
    data = {"username": "alice", "password": PASSWORD}
    assert client.post("/console/login", data=data).status_code == 403
    assert client.post("/console/login", data={**data, "csrf_token": "made-up"}).status_code == 403
    other = TestClient(create_app(runtime))  # a token from another browser does not fit
    token = csrf_of(other.get("/console/login").text)
    assert client.post("/console/login", data={**data, "csrf_token": token}).status_code == 403
    assert _sessions(runtime) == 0


def test_no_open_redirect_after_login(runtime: Runtime) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/console//evil.example", "/other"):
        client = TestClient(create_app(runtime))
        page = client.get("/console/login")
        r = client.post(
            "/console/login",
            data={
                "username": "alice",
                "password": PASSWORD,
                "csrf_token": csrf_of(page.text),
                "next": target,
            },
            follow_redirects=False,
        )
        assert r.headers["location"] == "/console/", target


def test_unsafe_requests_need_the_session_token(
    client: TestClient, runtime: Runtime, signed_in: Callable[[str], str]
) -> None:
    token = signed_in("sam")
    case_id = runtime.cases.queue()[0].case_id
    url = f"/console/cases/{case_id}/assign"
    assert client.post(url, data={"assignee": "sam"}).status_code == 403
    assert client.post(url, data={"assignee": "sam", "csrf_token": "x" + token}).status_code == 403
    assert (
        client.post(url, data={"assignee": "sam"}, headers={"X-CSRF-Token": "nope"}).status_code
        == 403
    )
    assert runtime.cases.get(case_id).assignee is None
    ok = client.post(
        url, data={"assignee": "sam"}, headers={"X-CSRF-Token": token}, follow_redirects=False
    )
    assert ok.status_code == 303 and runtime.cases.get(case_id).assignee == "sam"


def test_a_token_only_works_with_its_own_session(client: TestClient, runtime: Runtime) -> None:
    other = TestClient(create_app(runtime))
    foreign = login(other, "bob")
    login(client, "alice")
    case_id = runtime.cases.queue()[0].case_id
    r = client.post(f"/console/cases/{case_id}/assign", data={"csrf_token": foreign})
    assert r.status_code == 403 and runtime.cases.get(case_id).assignee is None


def test_logout_ends_the_session_server_side(client: TestClient, runtime: Runtime) -> None:
    token = login(client, "alice")
    cookie = client.cookies.get("rl_console")
    assert cookie and _sessions(runtime) == 1
    r = client.post("/console/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    assert _sessions(runtime) == 0
    replay = TestClient(create_app(runtime), cookies={"rl_console": cookie})
    assert replay.get("/console/queue", follow_redirects=False).status_code == 303


def test_a_tampered_cookie_is_refused(client: TestClient, runtime: Runtime) -> None:
    login(client, "alice")
    value = client.cookies.get("rl_console")
    assert value is not None
    sid, _, mac = value.rpartition(".")
    app = client.app
    assert TestClient(app, cookies={"rl_console": value}).get("/console/queue").status_code == 200
    for forged in (f"x{sid}.{mac}", sid, f"{sid}.{mac[:-2]}", "garbage"):
        r = TestClient(app, cookies={"rl_console": forged}).get(
            "/console/queue", follow_redirects=False
        )
        assert r.status_code == 303, forged


@pytest.mark.parametrize(
    ("user", "path", "status"),
    [
        ("alice", "/console/admin/users", 403),
        ("sam", "/console/admin/users", 403),
        ("ada", "/console/admin/users", 200),
        ("alice", "/console/dashboard", 200),
        ("alice", "/console/queue", 200),
    ],
)
def test_role_matrix(client: TestClient, user: str, path: str, status: int) -> None:
    login(client, user)
    r = client.get(path)
    assert r.status_code == status
    if status == 403:
        assert "admin role" in r.text and "<html" in r.text


def test_analyst_cannot_change_users(client: TestClient, runtime: Runtime) -> None:
    token = login(client, "alice")
    r = client.post("/console/admin/users/alice", data={"role": "admin", "csrf_token": token})
    assert r.status_code == 403
    assert UserStore(runtime.db).get("alice").role.value == "analyst"


def test_security_headers(client: TestClient) -> None:
    r = client.get("/console/login")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"
    js = client.get("/console/static/htmx.min.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "no-store" not in js.headers.get("cache-control", "")


def test_admin_manages_users_in_the_console(client: TestClient, runtime: Runtime) -> None:
    token = login(client, "ada")
    users = UserStore(runtime.db)
    r = client.post(
        "/console/admin/users",
        data={"username": "newbie", "role": "analyst", "password": "short", "csrf_token": token},
    )
    assert r.status_code == 422 and "at least 12" in r.text
    r = client.post(
        "/console/admin/users",
        data={"username": "newbie", "role": "analyst", "password": PASSWORD, "csrf_token": token},
    )
    assert r.status_code == 200 and "added newbie (analyst)" in r.text
    assert users.get("newbie").role.value == "analyst"
    newbie = TestClient(client.app)
    login(newbie, "newbie")
    url = "/console/admin/users/newbie"
    client.post(url, data={"role": "supervisor", "csrf_token": token})
    assert users.get("newbie").role.value == "supervisor"
    client.post(url, data={"disabled": "yes", "csrf_token": token})
    assert users.get("newbie").disabled_at is not None
    assert newbie.get("/console/queue", follow_redirects=False).status_code == 303  # signed out
    own = client.post("/console/admin/users/ada", data={"disabled": "yes", "csrf_token": token})
    assert own.status_code == 422 and users.get("ada").disabled_at is None
