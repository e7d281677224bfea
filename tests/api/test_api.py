"""The HTTP API: auth on every route, errors by status, nothing stored on bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from riskline.api import create_app
from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.runtime import Runtime, build_runtime
from tests.conftest import ScriptedFeatures
from tests.factories import wire

ROUTES = [
    ("POST", "/v1/events"),
    ("GET", "/v1/decisions/d_x"),
    ("GET", "/v1/accounts/a1"),
    ("POST", "/v1/lines/ln_revolving_a1/actions"),
    ("GET", "/v1/graph/account:a1"),
    ("GET", "/v1/lists/block"),
    ("GET", "/metrics"),
]
ALLOWED = {
    "/v1/events": {"ingest", "admin"},
    "/v1/decisions/d_x": {"ingest", "analyst", "admin"},
    "/v1/accounts/a1": {"analyst", "admin"},
    "/v1/lines/ln_revolving_a1/actions": {"analyst", "admin"},
    "/v1/graph/account:a1": {"analyst", "admin"},
    "/v1/lists/block": {"analyst", "admin"},
    "/metrics": {"admin"},
}


@pytest.fixture
def runtime(settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    rt = build_runtime(settings, clock=clock, features=ScriptedFeatures())
    yield rt
    rt.close()


@pytest.fixture
def client(runtime: Runtime) -> TestClient:
    return TestClient(create_app(runtime), raise_server_exceptions=False)


@pytest.fixture
def tokens(runtime: Runtime) -> dict[str, str]:
    return {
        role: runtime.keys.create(f"{role}-key", role)[1] for role in ("ingest", "analyst", "admin")
    }


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    body = (
        wire("payment") if path == "/v1/events" else {"action": "reinstate", "reasons": ["CLEARED"]}
    )
    return client.request(method, path, headers=headers, json=body if method == "POST" else None)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_needs_a_key(client: TestClient, method: str, path: str) -> None:
    r = _call(client, method, path, {})
    assert r.status_code == 401 and r.json()["error"] == "unauthenticated"
    bad = _call(client, method, path, auth("rk_0000_nothing"))
    assert bad.status_code == 401


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("role", ["ingest", "analyst", "admin"])
def test_role_matrix(
    client: TestClient, tokens: dict[str, str], method: str, path: str, role: str
) -> None:
    r = _call(client, method, path, auth(tokens[role]))
    if role in ALLOWED[path]:
        assert r.status_code not in (401, 403), r.text
    else:
        assert r.status_code == 403 and r.json()["error"] == "forbidden"


def test_x_api_key_header_works(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get("/metrics", headers={"X-API-Key": tokens["admin"]}).status_code == 200


def test_post_event_then_read_it_back(client: TestClient, tokens: dict[str, str]) -> None:
    opened = client.post("/v1/events", json=wire("account_opened"), headers=auth(tokens["ingest"]))
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert body["replayed"] is False and body["decision"]["outcome"] == "approve"
    did = body["decision"]["decision_id"]
    got = client.get(f"/v1/decisions/{did}", headers=auth(tokens["analyst"]))
    assert got.json() == body["decision"]
    account = client.get("/v1/accounts/a1", headers=auth(tokens["analyst"])).json()
    assert account["person_id"] == "p1" and account["lines"][0]["status"] == "active"
    assert account["decisions"][0]["decision_id"] == did


def test_batch_and_replay_and_conflict(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    h = auth(tokens["ingest"])
    events = [wire("account_opened"), wire("payment", amount="10.00")]
    first = client.post("/v1/events", json={"events": events}, headers=h)
    assert first.status_code == 200 and first.json()["replayed"] == [False, False]
    again = client.post("/v1/events", json={"events": events}, headers=h)
    assert again.json()["replayed"] == [True, True]
    assert again.json()["decisions"] == first.json()["decisions"]
    changed = dict(events[1], amount="11.00")
    conflict = client.post("/v1/events", json=changed, headers=h)
    assert conflict.status_code == 409 and conflict.json()["error"] == "idempotency_conflict"
    assert runtime.store.count_events() == 2


def test_validation_errors_are_field_level_and_store_nothing(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    h = auth(tokens["ingest"])
    batch = {"events": [wire("account_opened"), wire("payment", amount="-5")]}
    r = client.post("/v1/events", json=batch, headers=h)
    assert r.status_code == 422
    assert r.json()["details"][0]["loc"] == ["events", "1", "payment", "amount"]
    assert runtime.store.count_events() == 0


@pytest.mark.parametrize(
    ("raw", "status", "fragment"),
    [
        (b"{not json", 422, "not valid JSON"),
        (b'{"type": "payment", "amount": NaN}', 422, "NaN"),
        (b"\xff\xfe", 422, "UTF-8"),
        (b"[1, 2]", 422, "expected an event"),
        (b'{"events": []}', 422, "at least one"),
        (b'{"events": [1]}', 422, "JSON object"),
        (b"oversize", 413, "exceeds"),
        (
            json.dumps({"events": [wire("payment") for _ in range(501)]}).encode(),
            413,
            "at most 500",
        ),
        (
            b'{"type": "payment", "event_id": "x", "occurred_at": "2026-01-01T00:00:00Z",'
            b' "account_id": "a", "merchant_id": "m", "amount": 1' + b"0" * 5000 + b"}",
            422,
            "",
        ),
    ],
)
def test_bad_bodies(
    client: TestClient,
    tokens: dict[str, str],
    runtime: Runtime,
    raw: bytes,
    status: int,
    fragment: str,
) -> None:
    settings = runtime.settings
    if raw == b"oversize":
        raw = b" " * (settings.max_body_bytes + 10)
    r = client.post("/v1/events", content=raw, headers=auth(tokens["ingest"]))
    assert r.status_code == status, r.text
    assert fragment in r.json()["message"]
    assert runtime.store.count_events() == 0


def test_deep_nesting_is_a_clean_422(client: TestClient, tokens: dict[str, str]) -> None:
    raw = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
    r = client.post("/v1/events", content=raw, headers=auth(tokens["ingest"]))
    assert r.status_code == 422


def test_analyst_line_actions(client: TestClient, tokens: dict[str, str]) -> None:
    client.post("/v1/events", json=wire("account_opened"), headers=auth(tokens["ingest"]))
    h = auth(tokens["analyst"])
    url = "/v1/lines/ln_revolving_a1/actions"
    frozen = client.post(
        url, json={"action": "freeze", "days": 30, "reasons": ["SUSPECTED_CASHOUT"]}, headers=h
    )
    assert frozen.status_code == 200 and frozen.json()["status"] == "frozen"
    assert frozen.json()["history"][-1]["actor"].startswith("analyst:")
    illegal = client.post(url, json={"action": "restore_limit", "reasons": ["X1"]}, headers=h)
    assert (
        illegal.status_code == 409
        and "cannot restore_limit a frozen line" in illegal.json()["message"]
    )
    missing = client.post(url, json={"action": "freeze", "reasons": ["X1"]}, headers=h)
    assert missing.status_code == 422 and "days" in missing.json()["message"]
    no_reason = client.post(url, json={"action": "reinstate", "reasons": []}, headers=h)
    assert no_reason.status_code == 422
    unknown = client.post(
        "/v1/lines/nope/actions", json={"action": "reinstate", "reasons": ["X1"]}, headers=h
    )
    assert unknown.status_code == 404
    back = client.post(url, json={"action": "reinstate", "reasons": ["CLEARED"]}, headers=h)
    assert back.json()["status"] == "active"


def test_not_found(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get("/v1/decisions/d_missing", headers=auth(tokens["analyst"])).status_code == 404
    assert client.get("/v1/accounts/nobody", headers=auth(tokens["analyst"])).status_code == 404


def test_health_metrics_openapi(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    client.post("/v1/events", json=wire("account_opened"), headers=auth(tokens["ingest"]))
    text = client.get("/metrics", headers=auth(tokens["admin"])).text
    assert 'riskline_decisions_total{outcome="approve"} 1.0' in text
    assert "riskline_decision_latency_seconds_bucket" in text
    spec = client.get("/openapi.json").json()
    assert "PaymentIn" in spec["components"]["schemas"]
    assert "/v1/events" in spec["paths"]


def test_every_refusal_is_counted_once_by_its_error_code(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """``riskline_rejected_total`` counts 4xx answers of the fast path, the routes and the body
    limit by the code their body names; accepted requests count nothing."""
    h = auth(tokens["ingest"])
    assert client.post("/v1/events", json=wire("account_opened"), headers=h).status_code == 200
    assert client.post("/v1/events", json=wire("login"), headers=h).status_code == 200  # fast
    assert client.post("/v1/events", json=wire("login")).status_code == 401  # no key
    bad = {"Authorization": "Bearer rk_not_a_key"}
    assert client.post("/v1/events", json=wire("login"), headers=bad).status_code == 401
    future = wire("payment", occurred_at="2099-01-01T00:00:00Z")
    assert client.post("/v1/events", json=future, headers=h).status_code == 422
    assert client.get("/v1/no-such-route", headers=h).status_code == 404
    text = client.get("/metrics", headers=auth(tokens["admin"])).text
    counted = {
        line.split("{")[1].split("}")[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("riskline_rejected_total{")
    }
    bodies = [
        client.post("/v1/events", json=wire("login")).json()["error"],
        client.post("/v1/events", json=future, headers=h).json()["error"],
        client.get("/v1/no-such-route", headers=h).json()["error"],
    ]
    assert counted == {
        f'reason="{bodies[0]}"': 2.0,
        f'reason="{bodies[1]}"': 1.0,
        f'reason="{bodies[2]}"': 1.0,
    }


def test_future_event_is_422(client: TestClient, tokens: dict[str, str]) -> None:
    r = client.post(
        "/v1/events",
        json=wire("payment", occurred_at="2099-01-01T00:00:00Z"),
        headers=auth(tokens["ingest"]),
    )
    assert r.status_code == 422 and "future" in r.json()["message"]


def test_graph_neighbourhood(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["ingest"])
    client.post("/v1/events", json=wire("account_opened"), headers=h)
    client.post(
        "/v1/events", json=wire("account_opened", account_id="a2", person_id="p2"), headers=h
    )
    view = client.get("/v1/graph/account:a1?depth=2", headers=auth(tokens["analyst"]))
    assert view.status_code == 200, view.text
    nodes = {tuple(n["node"]) for n in view.json()["nodes"]}
    assert ("device", "d1") in nodes and ("account", "a2") in nodes  # a2 shares device d1
    bad = client.get("/v1/graph/planet:x", headers=auth(tokens["analyst"]))
    assert bad.status_code == 422 and "kind:id" in bad.json()["message"]
    missing = client.get("/v1/graph/account:nobody", headers=auth(tokens["analyst"]))
    assert missing.status_code == 404
    deep = client.get("/v1/graph/account:a1?depth=9", headers=auth(tokens["analyst"]))
    assert deep.status_code == 422


def test_block_list_round_trip_hashes_pii_and_declines(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    h = auth(tokens["analyst"])
    url = "/v1/lists/block/entries"
    body = {"kind": "phone", "value": "+86 138 0013 8000", "source": "case:9", "ttl_days": 30}
    added = client.post(url, json=body, headers=h)
    assert added.status_code == 200, added.text
    assert added.json()["value"] == runtime.hasher.phone("+8613800138000")
    assert "13800138000" not in str(list(runtime.lists.entries()))
    bad = client.post(url, json={**body, "value": "not-a-phone"}, headers=h)
    assert bad.status_code == 422
    assert "phone" in bad.json()["message"]
    listed = client.get("/v1/lists/block", headers=h).json()["entries"]
    assert [e["kind"] for e in listed] == ["phone"]
    assert client.delete(f"{url}/phone/+8613800138000", headers=h).json() == {"removed": True}
    assert client.delete(f"{url}/phone/+8613800138000", headers=h).status_code == 404
    unknown = client.post("/v1/lists/grey/entries", json=body, headers=h)
    assert unknown.status_code == 422


def test_oversized_chunked_body_is_413_and_stores_nothing(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    chunk = b" " * 65536

    def body() -> Iterator[bytes]:
        yield b'{"events": ['
        for _ in range(runtime.settings.max_body_bytes // len(chunk) + 2):
            yield chunk

    r = client.post("/v1/events", content=body(), headers=auth(tokens["ingest"]))
    assert r.status_code == 413
    assert "exceeds" in r.json()["message"]
    assert runtime.store.count_events() == 0
