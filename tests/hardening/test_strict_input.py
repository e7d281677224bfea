"""Issue 22, defect 5 over HTTP: lax input is a clear 422 (amounts, limits, repeated keys)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from riskline.runtime import Runtime
from tests.factories import wire
from tests.hardening.conftest import auth

JSON = {"content-type": "application/json"}


def _post(client: TestClient, url: str, text: str, token: str) -> tuple[int, str]:
    r = client.post(url, content=text.encode(), headers={**JSON, **auth(token)})
    return r.status_code, r.json().get("message", "")


@pytest.mark.parametrize("amount", ["1_000", "\uff11\uff12", "\u0661\u0662", " 12.50 "])
def test_a_lax_amount_is_a_422_and_no_decision_is_made(
    client: TestClient, runtime: Runtime, tokens: dict[str, str], amount: str
) -> None:
    body = json.dumps(wire("payment", amount=amount), ensure_ascii=False)
    status, message = _post(client, "/v1/events", body, tokens["ingest"])
    assert status == 422 and "amount" in message and "plain decimal" in message
    assert runtime.store.count_events() == 0


def test_a_repeated_key_in_an_event_is_a_422_not_last_wins(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    body = json.dumps(wire("payment", amount="12.50"))[:-1] + ', "amount": "99999.00"}'
    status, message = _post(client, "/v1/events", body, tokens["ingest"])
    assert status == 422 and "'amount' appears more than once" in message
    assert runtime.store.count_events() == 0


def test_a_repeated_key_in_any_route_body_is_a_422(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    body = '{"kind": "device", "value": "d1", "value": "d2", "source": "analyst"}'
    status, message = _post(client, "/v1/lists/block/entries", body, tokens["analyst"])
    assert status == 422 and "'value' appears more than once" in message
    assert list(runtime.lists.entries("block")) == []


@pytest.mark.parametrize("limit", ["0.001", "1_000", " 5000 "])
def test_set_limit_takes_a_plain_amount_with_at_most_two_decimals(
    client: TestClient, tokens: dict[str, str], limit: str
) -> None:
    body = json.dumps({"action": "set_limit", "reasons": ["ANALYST_REVIEW"], "limit": limit})
    status, _ = _post(client, "/v1/lines/no-such-line/actions", body, tokens["analyst"])
    assert status == 422
    fine = json.dumps({"action": "set_limit", "reasons": ["ANALYST_REVIEW"], "limit": "5000.00"})
    status, _ = _post(client, "/v1/lines/no-such-line/actions", fine, tokens["analyst"])
    assert status == 404  # the body passed; the line does not exist
