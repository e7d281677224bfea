"""/v1/consortium/screen: hits reach the watch list and the next decision's features."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from riskline.api import create_app
from riskline.clock import FixedClock
from riskline.config import ConsortiumSettings, Settings
from riskline.consortium import ConsortiumHasher, Screener
from riskline.runtime import Runtime, Screening, build_runtime, build_screening
from tests.conftest import ScriptedFeatures
from tests.consortium.conftest import CONSORTIUM_KEY
from tests.factories import wire

PHONE = "+86 139 0000 7777"


@dataclass
class FakePeer:
    """A peer answering like PSI would: the positions of my items on its list, or a count."""

    peer: str
    listed: dict[str, str] = field(default_factory=dict)
    applicants: set[str] = field(default_factory=set)
    asked: list[int] = field(default_factory=list)

    def query(self, items: Sequence[str]) -> list[tuple[int, str]]:
        self.asked.append(len(items))
        return [(i, self.listed[t]) for i, t in enumerate(items) if t in self.listed]

    def count(self, items: Sequence[str]) -> int:
        return len(set(items) & self.applicants)


@pytest.fixture
def runtime(settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    rt = build_runtime(settings, clock=clock, features=ScriptedFeatures())
    yield rt
    rt.close()


def test_screening_feeds_lists_and_features(runtime: Runtime) -> None:
    app = create_app(runtime)
    client = TestClient(app)
    token = runtime.keys.create("app", "ingest")[1]
    h = {"Authorization": f"Bearer {token}"}
    hasher = ConsortiumHasher(CONSORTIUM_KEY)
    phone_token = hasher.token("phone", PHONE)
    bank_b = FakePeer("bank-b", listed={phone_token: "cash_out"}, applicants={phone_token})
    bank_c = FakePeer("bank-c", applicants={phone_token})
    unconfigured = client.post(
        "/v1/consortium/screen", json={"applicants": [{"ref": "x", "phone": PHONE}]}, headers=h
    )
    assert unconfigured.status_code == 404 and "no consortium" in unconfigured.json()["message"]
    runtime.screening = Screening(Screener([bank_b, bank_c]), hasher)  # as build_runtime wires it

    body = {"applicants": [{"ref": "r1", "account_id": "a1", "person_id": "p1", "phone": PHONE}]}
    r = client.post("/v1/consortium/screen", json=body, headers=h)
    assert r.status_code == 200, r.text
    got = r.json()["applicants"]["r1"]
    assert got == {
        "hits": [{"kind": "phone", "member": "bank-b", "reason": "cash_out"}],
        "lenders_30d": 2,
    }
    now = runtime.engine.clock.now()
    assert runtime.lists.contains("watch", "phone", runtime.hasher.phone(PHONE), now)

    opened = wire("account_opened", account_id="a1", person_id="p1", phone=PHONE)
    applied = wire("loan_application", account_id="a1", at=now)
    decisions = client.post("/v1/events", json={"events": [opened, applied]}, headers=h).json()
    features = decisions["decisions"][1]["features"]
    assert features["consortium.lenders_30d"] == 2 and features["consortium.hits"] == 1
    other = client.post(
        "/v1/events", json=wire("loan_application", account_id="a9", at=now), headers=h
    ).json()
    assert "consortium.hits" not in other["decision"]["features"]  # never screened
    bad = client.post("/v1/consortium/screen", json={"applicants": []}, headers=h)
    assert bad.status_code == 422


def test_screening_is_wired_from_the_consortium_section(tmp_path: Path) -> None:
    peers = tmp_path / "peers.yaml"
    peers.write_text(
        "bank-b: {url: 'http://127.0.0.1:1', secret: 'bbbbbbbbbbbbbbbbbbbb'}\n"
        "bank-c: {url: 'http://127.0.0.1:2', secret: 'cccccccccccccccccccc'}\n"
    )
    assert build_screening(ConsortiumSettings()) is None  # no key, no peers: not configured
    section = ConsortiumSettings(member_id="bank-a", key=CONSORTIUM_KEY.decode(), peers_file=peers)
    screening = build_screening(section)
    assert screening is not None
    try:
        assert sorted(c.peer for c in screening.clients) == ["bank-b", "bank-c"]
        assert screening.hasher.token("phone", PHONE) == ConsortiumHasher(CONSORTIUM_KEY).token(
            "phone", PHONE
        )
    finally:
        screening.close()
