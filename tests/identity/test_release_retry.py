"""Issue 22, defect 8: a failed step-up release is retried by the API process's periodic work
(``StepUp.release_due`` had no caller, so a failed release stayed unreleased for ever)."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from riskline.api import create_app
from riskline.api.routes.stepup import stepup_service_for
from riskline.errors import Unavailable
from riskline.identity import Challenge, HeldActionRelease, Released
from riskline.runtime import Runtime
from tests.identity.conftest import takeover_events
from tests.identity.test_api import DEVICE


class FlakyRelease:
    """The real release, refusing its first ``fails`` calls as a busy writer would."""

    def __init__(self, real: HeldActionRelease, fails: int) -> None:
        self.real = real
        self.fails = fails
        self.calls = 0

    def release(self, challenge: Challenge) -> Released:
        self.calls += 1
        if self.calls <= self.fails:
            raise Unavailable("the writer is busy")
        return self.real.release(challenge)


def _pass_challenge(client: TestClient, key: dict[str, str]) -> dict[str, Any]:
    r = client.post("/v1/events", json={"events": takeover_events()}, headers=key)
    assert r.status_code == 200, r.text
    decision_id = r.json()["decisions"][-1]["decision_id"]
    ch = client.get(f"/v1/stepup/decisions/{decision_id}", headers=key).json()
    cid = ch["challenge_id"]
    body = {"components": DEVICE, "geo_country": "CN"}
    assert client.post(f"/v1/stepup/challenges/{cid}/device", json=body, headers=key).is_success
    vendor = {"vendor": "acme", "score": 0.95}
    done = client.post(f"/v1/stepup/challenges/{cid}/vendor", json=vendor, headers=key)
    assert done.status_code == 200, done.text
    challenge: dict[str, Any] = done.json()["challenge"]
    return challenge


def test_a_failed_release_is_retried_by_the_served_app(runtime: Runtime) -> None:
    app = create_app(runtime, retry_every=0.05)
    service = stepup_service_for(app)
    flaky = FlakyRelease(service.releaser, fails=1)
    service.releaser = flaky
    key = {"Authorization": f"Bearer {runtime.keys.create('ingest', 'ingest')[1]}"}
    with TestClient(app, raise_server_exceptions=False) as client:
        passed = _pass_challenge(client, key)
        assert passed["status"] == "passed"
        url = f"/v1/stepup/challenges/{passed['challenge_id']}"
        deadline = time.monotonic() + 20
        while (state := client.get(url, headers=key).json())["release"] is None:
            assert time.monotonic() < deadline, "the failed release was never retried"
            time.sleep(0.05)
    assert flaky.calls >= 2
    assert state["release"]["outcome"] == "approve"
    line = next(ln for ln in runtime.store.lines_for(["a1"]) if ln.product.value == "cash_loan")
    assert line.outstanding == Decimal("1000.00"), "released once, drawn once"


def test_release_due_counts_only_releases_that_succeeded(runtime: Runtime) -> None:
    app = create_app(runtime)
    service = stepup_service_for(app)
    flaky = FlakyRelease(service.releaser, fails=2)
    service.releaser = flaky
    key = {"Authorization": f"Bearer {runtime.keys.create('ingest', 'ingest')[1]}"}
    client = TestClient(app, raise_server_exceptions=False)  # no lifespan: no background retry
    passed = _pass_challenge(client, key)  # first release fails
    assert passed["release"] is None
    assert service.release_due() == 0  # second fails, still due
    assert service.release_due() == 1  # third succeeds
    assert service.release_due() == 0  # nothing left
    assert flaky.calls == 3
    assert service.get(passed["challenge_id"]).release_decision_id is not None
