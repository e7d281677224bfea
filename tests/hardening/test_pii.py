"""Phone, ID and card numbers sent in events never reach the database or the logs in clear."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from riskline.runtime import Runtime
from tests.factories import wire
from tests.hardening.conftest import auth

PHONE, ID_NUMBER, CARD = "+86 139 1234 5678", "31010419800101123X", "6222 0211 2233 4455"


def _forms(value: str) -> set[str]:
    digits = re.sub(r"\D", "", value)
    return {value, value.replace(" ", ""), digits, digits[-11:], digits[-8:]}


def test_identifiers_never_stored_or_logged_in_clear(
    client: TestClient, tokens: dict[str, str], runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    h = auth(tokens["ingest"])
    events = [
        wire("account_opened", account_id="a7", person_id="p7", phone=PHONE, id_number=ID_NUMBER),
        wire("merchant_registered", merchant_id="m7", card=CARD),
        wire("merchant_payout", merchant_id="m7", card=CARD, amount="50.00"),
    ]
    r = client.post("/v1/events", json={"events": events}, headers=h)
    assert r.status_code == 200, r.text
    bad = wire("account_opened", account_id="a8", phone=PHONE, id_number=ID_NUMBER, extra="x")
    assert client.post("/v1/events", json=bad, headers=h).status_code == 422
    block = {"kind": "phone", "value": PHONE, "source": "case:1"}
    assert client.post("/v1/lists/block/entries", json=block, headers=auth(tokens["analyst"]))
    runtime.close()  # flush the writer and the WAL

    db_file = Path(runtime.settings.database_url.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))
    assert b"a7" in stored  # the events are there, so the scan is of the right file
    logged = "\n".join(rec.getMessage() for rec in caplog.records) + caplog.text
    for value in (PHONE, ID_NUMBER, CARD):
        for form in _forms(value):
            assert form.encode() not in stored, f"{form!r} stored in clear"
            assert form not in logged, f"{form!r} logged in clear"
