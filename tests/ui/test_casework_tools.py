"""Case work from the console: notes, tags and the queue by tag, evidence upload and download,
shifts and auto-assignment."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from riskline.config import Settings
from riskline.runtime import Runtime
from tests.ui.conftest import login

PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"attachments_dir": tmp_path / "evidence"})


def _post(client: TestClient, url: str, token: str, **form: str) -> object:
    return client.post(url, data=form, headers={"X-CSRF-Token": token}, follow_redirects=False)


def test_notes_tags_and_evidence_on_the_case_page(client: TestClient, runtime: Runtime) -> None:
    token = login(client, "alice")
    [case] = runtime.cases.queue()
    cid = case.case_id
    r = _post(client, f"/console/cases/{cid}/notes", token, text="<script>x()</script> phoned")
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert _post(client, f"/console/cases/{cid}/tags", token, tag="Mule").status_code == 303  # type: ignore[attr-defined]
    up = client.post(
        f"/console/cases/{cid}/attachments",
        files={"file": ("id card.png", PNG)},
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )
    assert up.status_code == 303, up.text
    bad = client.post(
        f"/console/cases/{cid}/attachments",
        files={"file": ("page.png", b"<html><body>hi</body></html>")},
        headers={"X-CSRF-Token": token},
    )
    assert bad.status_code == 422
    page = client.get(f"/console/cases/{cid}").text
    assert "&lt;script&gt;x()&lt;/script&gt; phoned" in page  # escaped, never markup
    assert 'data-tag="mule"' in page
    [att] = runtime.cases.attachments.list(cid)
    assert f"/console/cases/{cid}/attachments/{att.attachment_id}" in page
    got = client.get(f"/console/cases/{cid}/attachments/{att.attachment_id}")
    assert got.content == PNG and got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert f'data-case="{cid}"' in client.get("/console/queue?tag=mule").text
    assert 'data-testid="queue-empty"' in client.get("/console/queue?tag=other").text
    trail = [e.action for e in runtime.cases.detail(cid).events]
    assert trail[-3:] == ["note_added", "tag_added", "attachment_added"]


def test_shift_and_auto_assignment_from_the_queue(client: TestClient, runtime: Runtime) -> None:
    token = login(client, "alice")
    assert _post(client, "/console/queue/shift", token, on="start").status_code == 303  # type: ignore[attr-defined]
    assert runtime.cases.assigner.on_shift() == ["alice"]
    assert _post(client, "/console/queue/auto-assign", token).status_code == 403  # type: ignore[attr-defined]
    other = TestClient(client.app)
    sup = login(other, "sam")
    assert _post(other, "/console/queue/auto-assign", sup).status_code == 303  # type: ignore[attr-defined]
    [case] = runtime.cases.queue()
    assert case.assignee == "alice"
    assert "End my shift" in client.get("/console/queue").text
