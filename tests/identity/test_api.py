"""Step-up over HTTP: a real challenged drawdown, device and face checks, release, roles."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from riskline.api import create_app
from riskline.identity.face_dlib import face_extra_available
from riskline.runtime import Runtime
from tests.identity import faces
from tests.identity.conftest import takeover_events
from tests.services import in_ci

DEVICE = {
    "canvas": "9f1c2a77",
    "audio": "124.04347527516074",
    "webglVendor": "Apple Inc.",
    "webglRenderer": "Apple GPU",
    "fonts": ["Arial", "Helvetica Neue", "PingFang SC"],
    "screen": {"width": 390, "height": 844},
    "colorDepth": 24,
    "pixelRatio": 3,
    "timezone": "Asia/Shanghai",
    "languages": ["zh-CN", "en"],
    "platform": "iPhone",
    "hardwareConcurrency": 4,
    "maxTouchPoints": 5,
    "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    "webdriver": False,
}


@pytest.fixture
def client(runtime: Runtime) -> TestClient:
    return TestClient(create_app(runtime), raise_server_exceptions=False)


@pytest.fixture
def keys(runtime: Runtime) -> dict[str, dict[str, str]]:
    return {
        role: {"Authorization": f"Bearer {runtime.keys.create(role, role)[1]}"}
        for role in ("ingest", "analyst", "admin")
    }


def _challenge(client: TestClient, key: dict[str, str]) -> dict[str, Any]:
    r = client.post("/v1/events", json={"events": takeover_events()}, headers=key)
    assert r.status_code == 200, r.text
    last = r.json()["decisions"][-1] if "decisions" in r.json() else r.json()[-1]
    assert last["outcome"] == "challenge"
    got = client.get(f"/v1/stepup/decisions/{last['decision_id']}", headers=key)
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


def test_challenge_is_found_for_its_decision(client: TestClient, keys: dict[str, Any]) -> None:
    ch = _challenge(client, keys["ingest"])
    assert ch["status"] == "pending" and ch["missing"] == ["device", "face"]
    assert (ch["subject"], ch["person_id"], ch["attempts_left"]) == ("a1", "p1", 3)
    again = client.get(f"/v1/stepup/challenges/{ch['challenge_id']}", headers=keys["analyst"])
    assert again.json() == ch
    assert client.get("/v1/stepup/challenges/ch_nope", headers=keys["admin"]).status_code == 404


def test_roles(client: TestClient, keys: dict[str, Any]) -> None:
    ch = _challenge(client, keys["ingest"])
    url = f"/v1/stepup/challenges/{ch['challenge_id']}/device"
    assert client.post(url, json={"components": DEVICE}).status_code == 401
    assert client.post(url, json={"components": DEVICE}, headers=keys["analyst"]).status_code == 403
    vendor = f"/v1/stepup/challenges/{ch['challenge_id']}/vendor"
    body = {"vendor": "acme", "score": 0.99}
    assert client.post(vendor, json=body, headers=keys["analyst"]).status_code == 403
    assert client.post("/v1/stepup/persons/p1/face", headers=keys["analyst"]).status_code == 403


def test_spoofed_device_uses_an_attempt(client: TestClient, keys: dict[str, Any]) -> None:
    ch = _challenge(client, keys["ingest"])
    url = f"/v1/stepup/challenges/{ch['challenge_id']}/device"
    bot = {**DEVICE, "webdriver": True, "webglRenderer": "Google SwiftShader"}
    r = client.post(url, json={"components": bot, "geo_country": "US"}, headers=keys["ingest"])
    assert r.status_code == 200, r.text
    device = r.json()["device"]
    assert not device["passed"]
    assert {f["code"] for f in device["flags"]} >= {"webdriver", "software_renderer"}
    after = r.json()["challenge"]
    assert after["attempts"] == 1 and "webdriver" in after["flags"]
    bad = client.post(url, json={"components": {"canvas": 5}}, headers=keys["ingest"])
    assert bad.status_code == 422


def test_vendor_liveness_fails_then_passes(client: TestClient, keys: dict[str, Any]) -> None:
    ch = _challenge(client, keys["ingest"])
    url = f"/v1/stepup/challenges/{ch['challenge_id']}/vendor"
    low = client.post(url, json={"vendor": "acme", "score": 0.4}, headers=keys["ingest"])
    assert low.json()["face"]["passed"] is False and low.json()["challenge"]["attempts"] == 1
    ok = client.post(url, json={"vendor": "acme", "score": 0.97}, headers=keys["ingest"])
    assert ok.json()["face"] == {
        "passed": True,
        "score": 0.97,
        "threshold": 0.9,
        "method": "vendor:acme",
        "liveness": True,
    }
    assert ok.json()["challenge"]["missing"] == ["device"]


def test_collector_is_served(client: TestClient) -> None:
    r = client.get("/stepup/collector.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    assert "RisklineCollector" in r.text and "webdriver" in r.text


@pytest.mark.skipif(
    not face_extra_available() and not in_ci(), reason="riskline[face] absent"
)  # CI installs riskline[face]: there the test runs
def test_face_errors_use_no_attempt(client: TestClient, keys: dict[str, Any]) -> None:
    key = keys["ingest"]
    ch = _challenge(client, key)
    face = f"/v1/stepup/challenges/{ch['challenge_id']}/face"
    missing = client.post(face, files={"image": ("me.png", faces.astronaut())}, headers=key)
    assert missing.status_code == 404  # nobody enrolled yet
    enrol = client.post(
        "/v1/stepup/persons/p1/face", files={"image": ("ref.png", faces.astronaut())}, headers=key
    )
    assert enrol.status_code == 200, enrol.text
    cat = client.post(face, files={"image": ("cat.png", faces.cat())}, headers=key)
    assert cat.status_code == 422 and cat.json()["error"] == "no_face"
    junk = client.post(face, files={"image": ("x.png", b"not an image")}, headers=key)
    assert junk.status_code == 422 and junk.json()["error"] == "unreadable_image"
    state = client.get(f"/v1/stepup/challenges/{ch['challenge_id']}", headers=key).json()
    assert state["attempts"] == 0


def test_round_trip_releases_the_held_drawdown(
    client: TestClient, keys: dict[str, Any], runtime: Runtime
) -> None:
    key = keys["ingest"]
    ch = _challenge(client, key)
    cid = ch["challenge_id"]
    device = client.post(
        f"/v1/stepup/challenges/{cid}/device",
        json={"components": DEVICE, "geo_country": "CN"},
        headers=key,
    )
    assert device.status_code == 200, device.text
    assert device.json()["device"]["passed"] and device.json()["device"]["flags"] == []
    if face_extra_available():
        client.post(
            "/v1/stepup/persons/p1/face", files={"image": ("r.png", faces.astronaut())}, headers=key
        )
        image = ("selfie.jpg", faces.astronaut_transformed(), "image/jpeg")
        done = client.post(f"/v1/stepup/challenges/{cid}/face", files={"image": image}, headers=key)
    else:
        body = {"vendor": "acme", "score": 0.95}
        done = client.post(f"/v1/stepup/challenges/{cid}/vendor", json=body, headers=key)
    assert done.status_code == 200, done.text
    final = done.json()["challenge"]
    assert final["status"] == "passed" and final["release"]["outcome"] == "approve"
    released = client.get(f"/v1/decisions/{final['release']['decision_id']}", headers=key)
    assert released.json()["outcome"] == "approve"
    line = next(ln for ln in runtime.store.lines_for(["a1"]) if ln.product.value == "cash_loan")
    assert line.status.value == "active" and line.outstanding == Decimal("1000.00")
    # the device is now trusted for the account
    again = client.post(
        f"/v1/stepup/challenges/{cid}/device", json={"components": DEVICE}, headers=key
    )
    assert again.status_code == 409  # the challenge is over


def test_the_release_marker_cannot_come_from_the_wire(
    client: TestClient, keys: dict[str, Any]
) -> None:
    forged = {**takeover_events()[-1], "step_up": "ch_forged"}
    r = client.post("/v1/events", json=forged, headers=keys["ingest"])
    assert r.status_code == 422
