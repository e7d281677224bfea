"""The events fast path answers exactly as the route does, and only when it may."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from riskline.api import create_app
from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.runtime import build_runtime
from tests.conftest import ScriptedFeatures
from tests.factories import wire

VOLATILE = {"latency_us"}


def _stable(body: Any) -> Any:
    """A response body without the engine's own timing."""
    if isinstance(body, dict):
        return {k: _stable(v) for k, v in body.items() if k not in VOLATILE}
    if isinstance(body, list):
        return [_stable(v) for v in body]
    return body


class Side:
    """One server: a runtime, its client and its keys."""

    def __init__(self, settings: Settings, clock: FixedClock, fast: bool) -> None:
        self.runtime = build_runtime(settings, clock=clock, features=ScriptedFeatures())
        self.app = create_app(self.runtime, fast_events=fast)
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.tokens = {
            role: self.runtime.keys.create(f"{role}-key", role)[1]
            for role in ("ingest", "analyst", "admin")
        }

    def post(self, role: str | None, content: bytes) -> tuple[int, Any, str | None]:
        headers = {"Content-Type": "application/json"}
        if role == "nobody":
            headers["Authorization"] = "Bearer rk_0000_nothing"
        elif role is not None:
            headers["X-API-Key" if role == "admin" else "Authorization"] = (
                self.tokens[role] if role == "admin" else f"Bearer {self.tokens[role]}"
            )
        r = self.client.post("/v1/events", content=content, headers=headers)
        return r.status_code, _stable(r.json()), r.headers.get("retry-after")

    def fast_answers(self) -> float:
        value = self.app.state.metrics.registry.get_sample_value("riskline_events_fast_path_total")
        return float(value or 0.0)


@pytest.fixture
def sides(settings: Settings, clock: FixedClock, tmp_path: Any) -> Iterator[tuple[Side, Side]]:
    other = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path}/route.db"})
    fast, route = Side(settings, clock, True), Side(other, clock, False)
    yield fast, route
    fast.runtime.close()
    route.runtime.close()


def _requests() -> list[tuple[str | None, bytes]]:
    opened = wire("account_opened")
    pay = wire("payment", amount="10.00")
    batch = [wire("payment", amount="20.00"), wire("login")]
    dumps = json.dumps
    return [
        ("ingest", dumps(opened).encode()),  # first use of the key: the route verifies it
        ("ingest", dumps(pay).encode()),  # fast
        ("ingest", dumps(pay).encode()),  # a replay
        ("ingest", dumps({"events": batch}).encode()),
        ("ingest", dumps(dict(pay, amount="11.00")).encode()),  # idempotency conflict (409)
        ("ingest", b"{not json"),
        ("ingest", b'{"type": "payment", "a": 1, "a": 2}'),  # repeated key
        ("ingest", dumps({"events": [wire("payment", amount="-5")]}).encode()),
        ("ingest", dumps({"events": []}).encode()),
        ("analyst", dumps(wire("login")).encode()),  # a role that may not ingest
        ("analyst", dumps(wire("login")).encode()),  # ...also once its key is cached
        (None, dumps(wire("login")).encode()),
        ("nobody", dumps(wire("login")).encode()),
        ("admin", dumps(wire("login")).encode()),
        ("admin", dumps({"events": [wire("payment", amount="30.00")]}).encode()),
    ]


def test_the_fast_path_answers_every_request_as_the_route_does(
    sides: tuple[Side, Side],
) -> None:
    fast, route = sides
    for role, content in _requests():
        assert fast.post(role, content) == route.post(role, content), content
    assert fast.runtime.store.count_events() == route.runtime.store.count_events() == 6
    # decided on the fast path: the payment, its replay, the batch and the admin key's second
    # request (its first verified the key on the route); the conflict was refused there too
    assert fast.fast_answers() == 4 and route.fast_answers() == 0


def test_a_rate_limited_key_is_refused_on_the_fast_path_with_retry_after(
    settings: Settings, clock: FixedClock
) -> None:
    limited = settings.model_copy(update={"rate_limit_per_s": 1.0, "rate_limit_burst": 2})
    side = Side(limited, clock, True)
    try:
        answers = [side.post("ingest", json.dumps(wire("login")).encode()) for _ in range(3)]
        assert [a[0] for a in answers] == [200, 200, 429]
        assert answers[2][1]["error"] == "rate_limited" and answers[2][2] == "1"
        assert side.runtime.store.count_events() == 2
        assert side.fast_answers() == 1  # the second; the first verified the key on the route
    finally:
        side.runtime.close()
