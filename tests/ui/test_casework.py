"""Queue and case pages, and every case action from the console (through the CaseService)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from riskline.credit import LineStatus
from riskline.runtime import Runtime
from tests.ui.conftest import login


def _case_id(runtime: Runtime) -> str:
    [case] = runtime.cases.queue()
    return case.case_id


def _status(runtime: Runtime, case_id: str) -> str:
    return runtime.cases.get(case_id).status.value


def _post(client: TestClient, url: str, token: str, htmx: bool = False, **form: str) -> object:
    headers = {"X-CSRF-Token": token, **({"HX-Request": "true"} if htmx else {})}
    return client.post(url, data=form, headers=headers, follow_redirects=False)


def test_queue_and_case_page(client: TestClient, runtime: Runtime) -> None:
    login(client, "alice")
    case_id = _case_id(runtime)
    queue = client.get("/console/queue").text
    assert f'data-case="{case_id}"' in queue and "person <code>p1</code>" in queue
    assert 'data-testid="queue-empty"' in client.get("/console/queue?scope=closed").text
    page = client.get(f"/console/cases/{case_id}").text
    decision = runtime.store.decisions_for("a1")[0]
    assert f"/console/decisions/{decision.decision_id}" in page
    assert "CASHOUT_PATTERN" in page and "4800.00" in page  # the night purchase
    assert 'data-line="ln_revolving_a1" data-status="frozen"' in page
    assert 'data-src="/console/graph/data?entity=person%3Ap1' in page
    assert 'data-testid="approve"' not in page  # nothing pending
    assert client.get("/console/cases/c_missing").status_code == 404


def test_confirm_fraud_freeze_only_closes_at_once(client: TestClient, runtime: Runtime) -> None:
    token = login(client, "alice")
    case_id = _case_id(runtime)
    r = _post(client, f"/console/cases/{case_id}/confirm-fraud", token, why="stolen identity")
    assert r.status_code == 303 and r.headers["location"] == f"/console/cases/{case_id}"
    case = runtime.cases.get(case_id)
    assert case.status.value == "closed" and case.resolution and case.resolution.value == "fraud"
    assert case.assignee == "alice"
    assert runtime.store.get_line("ln_revolving_a1").status is LineStatus.FROZEN
    assert runtime.store.get_line("ln_revolving_a2").status is LineStatus.ACTIVE
    labels = runtime.cases.labels()
    assert labels and {lb.label.value for lb in labels} == {"fraud"}
    assert labels[0].labelled_by == "alice"


def test_four_eyes_needs_another_supervisor(client: TestClient, runtime: Runtime) -> None:
    token = login(client, "sam")  # a supervisor asks for close + blocklist ...
    case_id = _case_id(runtime)
    r = _post(
        client,
        f"/console/cases/{case_id}/confirm-fraud",
        token,
        htmx=True,
        why="ring member",
        close="on",
        blocklist="on",
    )
    assert r.status_code == 200 and "<html" not in r.text  # the case body fragment
    assert 'data-testid="case-status"' in r.text and "pending_approval" in r.text
    assert "another supervisor must approve" in r.text
    assert _status(runtime, case_id) == "pending_approval"
    assert runtime.store.get_line("ln_revolving_a1").status is LineStatus.FROZEN  # at once
    own = _post(client, f"/console/cases/{case_id}/approve", token, htmx=True)
    assert own.status_code == 403 and own.headers["HX-Retarget"] == "#flash"
    assert "four eyes" in own.text and _status(runtime, case_id) == "pending_approval"

    other = TestClient(client.app)
    analyst = login(other, "bob")  # ... an analyst may not approve ...
    assert _post(other, f"/console/cases/{case_id}/approve", analyst).status_code == 403
    other = TestClient(client.app)
    admin_token = login(other, "ada")  # ... an admin (a different person) may
    r = _post(other, f"/console/cases/{case_id}/approve", admin_token, why="agreed")
    assert r.status_code == 303 and _status(runtime, case_id) == "closed"
    assert runtime.store.get_line("ln_revolving_a1").status is LineStatus.CLOSED
    blocked = {(e.kind, e.value) for e in runtime.lists.entries("block")}
    assert ("person", "p1") in blocked and ("account", "a1") in blocked
    audit = [e.action for e in runtime.cases.detail(case_id).events]
    assert "confirm_fraud_requested" in audit and "approved" in audit


def test_reject_sends_the_case_back(client: TestClient, runtime: Runtime) -> None:
    token = login(client, "alice")
    case_id = _case_id(runtime)
    _post(client, f"/console/cases/{case_id}/confirm-fraud", token, why="x", blocklist="on")
    sup = TestClient(client.app)
    sup_token = login(sup, "sam")
    assert _post(sup, f"/console/cases/{case_id}/reject", sup_token).status_code == 422  # why
    r = _post(sup, f"/console/cases/{case_id}/reject", sup_token, why="not enough evidence")
    assert r.status_code == 303
    case = runtime.cases.get(case_id)
    assert case.status.value == "in_progress" and case.pending is None
    assert not list(runtime.lists.entries("block"))


def test_clear_reinstates_and_allowlists(client: TestClient, runtime: Runtime) -> None:
    token = login(client, "alice")
    case_id = _case_id(runtime)
    _post(client, f"/console/cases/{case_id}/clear", token, why="paid since", allowlist="on")
    case = runtime.cases.get(case_id)
    assert case.status.value == "closed" and case.resolution and case.resolution.value == "legit"
    assert runtime.store.get_line("ln_revolving_a1").status is LineStatus.ACTIVE
    assert ("person", "p1") in {(e.kind, e.value) for e in runtime.lists.entries("allow")}


@pytest.mark.parametrize(
    ("action", "status"), [("request-info", "awaiting_info"), ("escalate", "escalated")]
)
def test_request_info_and_escalate(
    client: TestClient, runtime: Runtime, action: str, status: str
) -> None:
    token = login(client, "alice")
    case_id = _case_id(runtime)
    assert _post(client, f"/console/cases/{case_id}/{action}", token, why="").status_code == 422
    assert _status(runtime, case_id) == "open"
    _post(client, f"/console/cases/{case_id}/{action}", token, why="need payslips")
    assert _status(runtime, case_id) == status
    events = runtime.cases.detail(case_id).events
    assert events[-1].actor == "alice" and events[-1].why == "need payslips"


def test_only_supervisors_assign_to_others(client: TestClient, runtime: Runtime) -> None:
    token = login(client, "alice")
    case_id = _case_id(runtime)
    r = _post(client, f"/console/cases/{case_id}/assign", token, htmx=True, assignee="bob")
    assert r.status_code == 403 and runtime.cases.get(case_id).assignee is None
    r = _post(client, f"/console/cases/{case_id}/assign", token, htmx=True)
    assert r.status_code == 200 and re.search(r'data-testid="case-assignee">alice<', r.text)
    sup = TestClient(client.app)
    _post(sup, f"/console/cases/{case_id}/assign", login(sup, "sam"), assignee="bob")
    assert runtime.cases.get(case_id).assignee == "bob"
    mine = client.get("/console/queue?scope=mine").text
    assert f'data-case="{case_id}"' not in mine
