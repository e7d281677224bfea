"""Every route × every role: the roles a route declares are exactly the ones it admits.

The routes are read from the application itself, so a route added without a role check, or one
whose check does not hold, fails here without anyone updating a table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from riskline.api.auth import RoleCheck
from tests.hardening.conftest import ROLES, auth

PUBLIC = {"/healthz", "/stepup/collector.js"}
"""Routes that are meant to answer without a key (liveness, the browser collector script)."""


def _role_check(route: APIRoute) -> RoleCheck | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, RoleCheck):
            return dep.call
        stack.extend(dep.dependencies)
    return None


def _walk(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)  # an included router (FastAPI >= 0.16x)
        if inner is not None:
            yield from _walk(inner.routes)


def _api_routes(app: FastAPI) -> list[APIRoute]:
    """The JSON API (the console's HTML pages use sessions and have their own tests)."""
    return [
        r
        for r in _walk(app.routes)
        if r.path.startswith(("/v1/", "/metrics", "/healthz", "/stepup/"))
    ]


def _concrete(path: str) -> str:
    return re.sub(r"\{([^}:]+)(:[^}]*)?\}", lambda m: "account:x" if m.group(2) else "x", path)


def _request(client: TestClient, route: APIRoute, headers: dict[str, str]) -> Any:
    method = sorted(route.methods - {"HEAD"})[0]
    body = {} if method in {"POST", "PUT", "PATCH"} else None
    return client.request(method, _concrete(route.path), headers=headers, json=body)


def test_every_route_checks_a_role_or_is_deliberately_public(app: FastAPI) -> None:
    unguarded = [
        r.path for r in _api_routes(app) if _role_check(r) is None and r.path not in PUBLIC
    ]
    assert unguarded == [], f"routes without a role check: {unguarded}"


def test_every_role_is_admitted_exactly_where_declared(
    app: FastAPI, client: TestClient, tokens: dict[str, str]
) -> None:
    checked = 0
    for route in _api_routes(app):
        check = _role_check(route)
        if check is None:
            continue
        assert client_status(client, route, {}) == 401, route.path
        for role in ROLES:
            status = client_status(client, route, auth(tokens[role]))
            if role in {r.value for r in check.roles}:
                assert status not in (401, 403), (route.path, role, status)
            else:
                assert status == 403, (route.path, role, status)
            checked += 1
    assert checked >= 3 * 7  # the foundation's routes at least


def client_status(client: TestClient, route: APIRoute, headers: dict[str, str]) -> int:
    return int(_request(client, route, headers).status_code)


@pytest.mark.parametrize("path", sorted(PUBLIC))
def test_public_routes_answer_without_a_key(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200
