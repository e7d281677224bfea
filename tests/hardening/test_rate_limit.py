"""Per-key rate limits: a flood from one key is refused with 429, others are unaffected."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from riskline.api.auth import RateLimiter
from tests.hardening.conftest import auth


def test_a_key_over_its_rate_gets_429_with_retry_after(
    app: FastAPI, client: TestClient, tokens: dict[str, str]
) -> None:
    now = [100.0]
    app.state.limiter = RateLimiter(rate=5, burst=10, clock=lambda: now[0])
    noisy, quiet = auth(tokens["analyst"]), auth(tokens["admin"])
    codes = [client.get("/v1/lists/block", headers=noisy).status_code for _ in range(12)]
    assert codes == [200] * 10 + [429, 429]
    refused = client.get("/v1/lists/block", headers=noisy)
    assert refused.json()["error"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert client.get("/v1/lists/block", headers=quiet).status_code == 200
    now[0] += 1.0  # five tokens come back in a second
    codes = [client.get("/v1/lists/block", headers=noisy).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]


def test_unauthenticated_floods_do_not_consume_a_keys_budget(
    app: FastAPI, client: TestClient, tokens: dict[str, str]
) -> None:
    app.state.limiter = RateLimiter(rate=1, burst=2, clock=lambda: 0.0)
    for _ in range(20):
        assert client.get("/v1/lists/block", headers=auth("rk_x_forged")).status_code == 401
    assert client.get("/v1/lists/block", headers=auth(tokens["analyst"])).status_code == 200


def test_a_huge_queue_offset_is_a_clear_422(client: TestClient, tokens: dict[str, str]) -> None:
    # found by the schemathesis run: an offset past SQLite's INTEGER range was a 500
    r = client.get("/v1/cases?offset=9223372036854775808", headers=auth(tokens["analyst"]))
    assert r.status_code == 422 and "offset" in r.text
