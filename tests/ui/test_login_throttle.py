"""Issue 22, defect 2 (console): a sign-in flood meets 429 before scrypt runs without bound."""

from __future__ import annotations

import dataclasses
import secrets

from fastapi import FastAPI
from fastapi.testclient import TestClient

from riskline.runtime import Runtime
from riskline.ui import ConsoleUser, UserStore
from riskline.ui.app import create_console
from tests.ui.conftest import WORK, csrf_of
from tests.ui.seed import PASSWORD


class CountingUsers(UserStore):
    """The real user store, counting the sign-in checks (each one runs scrypt)."""

    checks = 0

    def authenticate(self, username: str, password: str) -> ConsoleUser:
        CountingUsers.checks += 1
        return super().authenticate(username, password)


def _console(runtime: Runtime) -> FastAPI:
    app = create_console(runtime)
    users = CountingUsers(runtime.db, work=WORK)
    CountingUsers.checks = 0
    app.state.console = dataclasses.replace(app.state.console, users=users)
    return app


def _sign_in(client: TestClient, user: str, password: str) -> int:
    token = csrf_of(client.get("/login").text)
    data = {"username": user, "password": password, "csrf_token": token}
    return client.post("/login", data=data, follow_redirects=False).status_code


def test_random_user_names_from_one_address_meet_429_before_hashing(runtime: Runtime) -> None:
    client = TestClient(_console(runtime), client=("198.51.100.7", 40000))
    codes = [_sign_in(client, f"u{secrets.token_hex(4)}", "guess-guess-guess") for _ in range(60)]
    assert codes[:10] == [401] * 10
    assert set(codes[10:]) == {429}
    assert CountingUsers.checks == 10, "scrypt ran for refused sign-ins"
    # another address is not held up by the flood
    other = TestClient(client.app, client=("198.51.100.8", 40000))
    assert _sign_in(other, "alice", PASSWORD) == 303


def test_one_user_name_from_many_addresses_meets_429(runtime: Runtime) -> None:
    app = _console(runtime)
    codes = [
        _sign_in(TestClient(app, client=(f"203.0.113.{i}", 40000)), "alice", "wrong-password!!")
        for i in range(1, 30)
    ]
    assert codes[:10] == [401] * 10 and set(codes[10:]) == {429}
    assert CountingUsers.checks == 10
    page = TestClient(app, client=("203.0.113.99", 40000))
    token = csrf_of(page.get("/login").text)
    r = page.post("/login", data={"username": "ALICE ", "password": "x", "csrf_token": token})
    assert r.status_code == 429 and "for this user name" in r.text
    assert int(r.headers["Retry-After"]) >= 1
