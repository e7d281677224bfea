"""Console test fixtures: a seeded runtime, the API app with the console, signed-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from riskline.api import create_app
from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.runtime import Runtime, build_runtime
from riskline.ui import UserStore
from tests.conftest import ScriptedFeatures
from tests.ui.seed import PASSWORD, USERS, seed

WORK = 2**10
"""A cheap scrypt cost so tests stay fast (the default is 2**15)."""
_TOKEN = re.compile(r'name="csrf-token" content="([^"]*)"')
_FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def console_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKLINE_CONSOLE_PASSWORD_WORK", str(WORK))
    monkeypatch.setenv("RISKLINE_CONSOLE_SECURE_COOKIE", "never")


@pytest.fixture
def runtime(console_env: None, settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    """The seeded world (one review case, for person p1) and four console users.

    ``console_env`` comes first: ``settings.console`` reads ``RISKLINE_CONSOLE_*`` when built."""
    rt = build_runtime(settings, clock=clock, features=ScriptedFeatures())
    assert "review" in seed(rt)
    users = UserStore(rt.db, work=WORK)
    for name, role in USERS.items():
        users.add(name, role, PASSWORD)
    yield rt
    rt.close()


@pytest.fixture
def client(runtime: Runtime) -> TestClient:
    return TestClient(create_app(runtime), raise_server_exceptions=False)


def csrf_of(html: str) -> str:
    """The CSRF token a page carries (meta tag after sign-in, form field on the login page)."""
    found = _TOKEN.search(html)
    if found and found.group(1):
        return found.group(1)
    field = _FORM_TOKEN.search(html)
    assert field, "no CSRF token in the page"
    return field.group(1)


def login(client: TestClient, user: str, password: str = PASSWORD) -> str:
    """Sign ``user`` in; returns the session's CSRF token."""
    page = client.get("/console/login")
    r = client.post(
        "/console/login",
        data={"username": user, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/console/dashboard").text)


@pytest.fixture
def signed_in(client: TestClient) -> Callable[[str], str]:
    """Sign a seeded user in on the shared client; returns the CSRF token."""
    return lambda user: login(client, user)
