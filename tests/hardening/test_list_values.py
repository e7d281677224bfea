"""Issue 22, defect 4: list entry values are checked by kind before they are stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from riskline.rules import ListEntry
from riskline.runtime import Runtime
from tests.hardening.conftest import auth

URL = "/v1/lists/block/entries"


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("account", "<script>alert(1)</script>"),
        ("account", "a/b"),
        ("device", "d 1"),
        ("merchant", "m\u00e9"),
        ("enterprise", "e\t1"),
        ("ip", "Y\u00db"),
        ("ip", "10.0.0.256"),
        ("ip", "example.com"),
    ],
)
def test_a_malformed_value_is_a_clear_422_and_nothing_is_stored(
    client: TestClient, runtime: Runtime, tokens: dict[str, str], kind: str, value: str
) -> None:
    body = {"kind": kind, "value": value, "source": "analyst"}
    r = client.post(URL, json=body, headers=auth(tokens["analyst"]))
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_input"
    assert ("IPv4 or IPv6" if kind == "ip" else "ASCII letters") in r.json()["message"]
    assert list(runtime.lists.entries("block")) == []


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("account", "acct-1"),
        ("merchant", "m_9.shop@x:1"),
        ("ip", "203.0.113.7"),
        ("ip", "2001:db8::1"),
    ],
)
def test_a_well_formed_value_is_added_and_removed_by_its_url(
    client: TestClient, tokens: dict[str, str], kind: str, value: str
) -> None:
    h = auth(tokens["analyst"])
    body = {"kind": kind, "value": value, "source": "analyst"}
    assert client.post(URL, json=body, headers=h).status_code == 200
    assert client.delete(f"{URL}/{kind}/{value}", headers=h).json() == {"removed": True}


def test_an_entry_stored_before_values_were_checked_can_still_be_removed(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    runtime.lists.add(ListEntry("block", "account", "a/b", "legacy", at))
    r = client.delete(f"{URL}/account/a%2Fb", headers=auth(tokens["analyst"]))
    assert r.status_code == 200 and r.json() == {"removed": True}
    assert list(runtime.lists.entries("block")) == []
