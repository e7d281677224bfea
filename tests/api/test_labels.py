"""POST /v1/labels: authenticated, validated at the edge, durable, idempotent, and read by the
entity risk of the next payments (also after a restart)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from riskline.api import create_app
from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.events import parse_event
from riskline.runtime import Runtime, build_runtime
from riskline.storage.labels import fraud_labels
from tests.factories import wire


@pytest.fixture
def runtime(settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    rt = build_runtime(settings, clock=clock, analyst_rules=False)
    yield rt
    rt.close()


@pytest.fixture
def client(runtime: Runtime) -> TestClient:
    return TestClient(create_app(runtime), raise_server_exceptions=False)


def _auth(runtime: Runtime, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {runtime.keys.create(f'{role}-key', role)[1]}"}


def _count(runtime: Runtime) -> int:
    with runtime.db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(fraud_labels)).scalar_one())


def _label(event_id: str, fraud: Any = True, at: str = "2026-02-01T10:00:00Z") -> dict[str, Any]:
    return {"event_id": event_id, "fraud": fraud, "reported_at": at}


def test_labels_need_a_write_key(client: TestClient, runtime: Runtime) -> None:
    body = {"labels": [_label("e1")]}
    assert client.post("/v1/labels", json=body).status_code == 401
    assert (
        client.post("/v1/labels", json=body, headers=_auth(runtime, "analyst")).status_code == 200
    )
    assert client.post("/v1/labels", json=body, headers=_auth(runtime, "ingest")).status_code == 200


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (_label("e2", fraud="yes"), "fraud"),
        (_label("e2", at="2026-02-01T10:00:00"), "reported_at"),  # no timezone
        ({"event_id": "e2", "fraud": True}, "reported_at"),
        (_label("bad id with spaces"), "event_id"),
        ({**_label("e2"), "extra": 1}, "extra"),
    ],
)
def test_a_bad_label_is_a_422_naming_the_field_and_stores_nothing(
    client: TestClient, runtime: Runtime, bad: dict[str, Any], field: str
) -> None:
    body = {"labels": [_label("e1"), bad]}
    resp = client.post("/v1/labels", json=body, headers=_auth(runtime, "ingest"))
    assert resp.status_code == 422 and field in resp.text
    assert _count(runtime) == 0


def test_replaying_labels_changes_nothing_and_a_correction_is_kept(
    client: TestClient, runtime: Runtime
) -> None:
    headers = _auth(runtime, "ingest")
    body = {"labels": [_label("e1"), _label("e2", fraud=False)]}
    first = client.post("/v1/labels", json=body, headers=headers).json()
    assert first == {"added": 2, "replayed": 0, "unknown_events": 2}
    again = client.post("/v1/labels", json=body, headers=headers).json()
    assert again == {"added": 0, "replayed": 2, "unknown_events": 2}
    fixed = {"labels": [_label("e2", fraud=True, at="2026-02-03T00:00:00Z")]}
    assert client.post("/v1/labels", json=fixed, headers=headers).json()["added"] == 1
    assert _count(runtime) == 3


def test_a_label_reaches_the_next_payments_entity_risk_and_survives_a_restart(
    client: TestClient, runtime: Runtime, settings: Settings, clock: FixedClock
) -> None:
    now = clock.now()
    headers = _auth(runtime, "ingest")

    def pay(event_id: str, at: Any, account: str) -> dict[str, Any]:
        event = wire("payment", event_id=event_id, at=at, account_id=account, merchant_id="shop")
        resp = client.post("/v1/events", json=event, headers=headers)
        assert resp.status_code == 200, resp.text
        features: dict[str, float] = resp.json()["decision"]["features"]
        return features

    pay("p0", now - timedelta(days=8), "a0")
    pay("p1", now - timedelta(days=8), "a1")
    before = pay("p2", now, "a2")
    assert (before["risk.payee.n_7d"], before["risk.payee.fraud_7d"]) == (2.0, 0.0)
    resp = client.post("/v1/labels", json={"labels": [_label("p0")]}, headers=headers)
    assert resp.json() == {"added": 1, "replayed": 0, "unknown_events": 0}
    after = pay("p3", now, "a3")
    assert (after["risk.payee.fraud_7d"], after["risk.payee.rate_7d"]) == (1.0, 0.5)
    assert after["risk.payer.n_7d"] == 0.0

    runtime.close()  # a restart replays the ledger and reads every label again
    again = build_runtime(settings, clock=clock, analyst_rules=False)
    try:
        event = wire("payment", event_id="p4", at=now, account_id="a4", merchant_id="shop")
        replayed = again.engine.process(parse_event(event, again.hasher))
        assert replayed.features["risk.payee.fraud_7d"] == 1.0
        assert replayed.features["risk.payee.n_7d"] == 2.0
    finally:
        again.close()
