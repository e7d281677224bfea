"""Case work: notes, tags (and the queue by tag), evidence attachments served safely, bulk
confirm of a ring's cases with one four-eyes approval, and auto-assignment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from riskline.api import create_app
from riskline.cases import (
    CaseStatus,
    ConfirmFraud,
    Member,
    QueueFilter,
    Reviewer,
    ReviewerRole,
    repo,
)
from riskline.cases.opening import open_case, refresh
from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.errors import Forbidden, InvalidInput
from riskline.runtime import Runtime, build_runtime
from tests.cases.conftest import auth
from tests.conftest import SECRET

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
ANN = Reviewer("ann", ReviewerRole.ANALYST, "Ann")
SAM = Reviewer("sam", ReviewerRole.SUPERVISOR, "Sam")


@pytest.fixture
def rt(sqlite_url: str, clock: FixedClock, tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings(
        database_url=sqlite_url,
        pii_secret=SECRET,
        attachments_dir=tmp_path / "evidence",
        attachment_max_bytes=4096,
    )
    runtime = build_runtime(settings, clock=clock)
    yield runtime
    runtime.close()


@pytest.fixture
def client(rt: Runtime) -> TestClient:
    return TestClient(create_app(rt), raise_server_exceptions=False)


@pytest.fixture
def token(rt: Runtime) -> str:
    return rt.keys.create("analyst", "analyst")[1]


def _case(rt: Runtime, case_id: str, account: str, ring: str | None = None) -> str:
    """A stored open case of one account (optionally grouped by a ring)."""
    now = rt.cases.clock.now()
    with rt.db.begin() as conn:
        case = open_case(
            conn,
            case_id=case_id,
            group=("ring", ring) if ring else ("account", account),
            now=now,
            due_at=now + timedelta(hours=24),
            why="test",
            details={},
            ring_id=ring,
        )
        repo.add_members(conn, case_id, [Member("account", account)])
        refresh(conn, rt.cases.policy, case, now, extra_risk=0.5)
    return case_id


def test_notes_and_tags_are_recorded_shown_and_filter_the_queue(
    rt: Runtime, client: TestClient, token: str
) -> None:
    cid = _case(rt, "c1", "x1")
    _case(rt, "c2", "x2")
    h = auth(token)
    assert client.post(f"/v1/cases/{cid}/notes", json={"text": "  "}, headers=h).status_code == 422
    note = client.post(f"/v1/cases/{cid}/notes", json={"text": "called the user"}, headers=h)
    assert note.status_code == 200, note.text
    assert client.post("/v1/cases/nope/notes", json={"text": "x"}, headers=h).status_code == 404
    assert client.post(f"/v1/cases/{cid}/tags", json={"tag": "Ring-7"}, headers=h).json() == {
        "tags": ["ring-7"]
    }
    assert client.post(f"/v1/cases/{cid}/tags", json={"tag": "<b>"}, headers=h).status_code == 422
    work = client.get(f"/v1/cases/{cid}/work", headers=h).json()
    assert [n["text"] for n in work["notes"]] == ["called the user"]
    assert work["notes"][0]["author"] == token.split("_")[1]  # the API key behind it
    tagged = client.get("/v1/cases", params={"tag": "ring-7"}, headers=h).json()["cases"]
    assert [c["case_id"] for c in tagged] == ["c1"]
    assert {c.case_id for c in rt.cases.queue()} == {"c1", "c2"}
    gone = client.delete(f"/v1/cases/{cid}/tags/ring-7", headers=h)
    assert gone.json() == {"tags": []}
    assert rt.cases.queue(QueueFilter(tag="ring-7")) == []
    trail = [e.action for e in rt.cases.detail(cid).events]
    assert trail == ["opened", "note_added", "tag_added", "tag_removed"]


def test_attachments_are_checked_by_content_and_served_as_downloads(
    rt: Runtime, client: TestClient, token: str, tmp_path: Path
) -> None:
    cid = _case(rt, "c1", "x1")
    h = auth(token)

    def up(name: str, data: bytes) -> object:
        return client.post(f"/v1/cases/{cid}/attachments", files={"file": (name, data)}, headers=h)

    ok = up("../screen shot.png", PNG)
    assert ok.status_code == 200, ok.text  # type: ignore[attr-defined]
    meta = ok.json()  # type: ignore[attr-defined]
    assert meta["filename"] == "screen_shot.png" and meta["content_type"] == "image/png"
    stored = list((tmp_path / "evidence").iterdir())
    assert len(stored) == 1 and "screen" not in stored[0].name  # a random name
    got = client.get(f"/v1/cases/{cid}/attachments/{meta['id']}", headers=h)
    assert got.content == PNG
    assert got.headers["content-disposition"] == 'attachment; filename="screen_shot.png"'
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-type"] == "image/png"
    assert "sandbox" in got.headers["content-security-policy"]

    exe = up("tool.exe", b"MZ\x90\x00")
    assert exe.status_code == 422 and "not accepted" in exe.text  # type: ignore[attr-defined]
    big = up("big.png", PNG + bytes(5000))
    assert big.status_code == 413  # type: ignore[attr-defined]
    html = up("cat.png", b"<html><script>alert(1)</script></html>")
    assert html.status_code == 422 and "not a PNG" in html.text  # type: ignore[attr-defined]
    page = up("notes.txt", b"<!DOCTYPE html><body onload=x()>")
    assert page.status_code == 422  # type: ignore[attr-defined]
    assert up("rows.csv", b"a,b\n1,2\n").status_code == 200  # type: ignore[attr-defined]
    names = [
        a["filename"] for a in client.get(f"/v1/cases/{cid}/work", headers=h).json()["attachments"]
    ]
    assert sorted(names) == ["rows.csv", "screen_shot.png"]
    assert len(list((tmp_path / "evidence").iterdir())) == 2  # nothing kept of refused files


def test_bulk_confirm_of_a_ring_needs_one_four_eyes_approval(rt: Runtime) -> None:
    a, b = _case(rt, "c1", "x1", ring="r1"), _case(rt, "c2", "x2", ring="r1")
    other = _case(rt, "c3", "x3")
    assert [c.case_id for c in rt.cases.bulk.linked(a)] == ["c1", "c2"]
    with pytest.raises(InvalidInput, match="c3"):
        rt.cases.act_bulk(a, [a, other], ConfirmFraud("ring", blocklist=True), ANN)
    assert rt.cases.get(a).status is CaseStatus.OPEN  # nothing changed

    done = rt.cases.act_bulk(a, [], ConfirmFraud("device farm", blocklist=True), ANN)
    assert [c.status for c in done] == [CaseStatus.PENDING_APPROVAL] * 2
    assert all(c.pending and c.pending.params["bulk"] == ["c1", "c2"] for c in done)
    with pytest.raises(Forbidden):
        rt.cases.approve(b, Reviewer("ann", ReviewerRole.SUPERVISOR), "self")
    rt.cases.approve(b, SAM, "seen the ring")  # one approval, of any case of the group
    for cid in (a, b):
        case = rt.cases.get(cid)
        assert case.status is CaseStatus.CLOSED and case.resolution is not None
        assert [e.action for e in rt.cases.detail(cid).events][-2:] == ["approved", "closed"]
    assert rt.cases.get(other).status is CaseStatus.OPEN


def test_bulk_clear_needs_no_approval(rt: Runtime) -> None:
    a, _ = _case(rt, "c1", "x1", ring="r1"), _case(rt, "c2", "x2", ring="r1")
    from riskline.cases import Clear

    done = rt.cases.act_bulk(a, [], Clear("false positive", allowlist=False), ANN)
    assert [c.status for c in done] == [CaseStatus.CLOSED] * 2


@pytest.mark.parametrize("strategy", ["least_loaded", "round_robin"])
def test_auto_assignment_distributes_among_analysts_on_shift(rt: Runtime, strategy: str) -> None:
    for i in range(5):
        _case(rt, f"c{i}", f"x{i}")
    assert rt.cases.assigner.assign_open(strategy) == []  # nobody on shift
    rt.cases.assigner.start_shift("ann", ANN)
    rt.cases.assigner.start_shift("bob", SAM)
    with pytest.raises(InvalidInput):
        rt.cases.assigner.start_shift("cy", ANN)  # an analyst starts only their own shift
    rt.cases.assign("c0", "ann", ANN)  # ann already has one
    done = rt.cases.assigner.assign_open(strategy)
    got = [who for _, who in done]
    assert len(done) == 4
    if strategy == "least_loaded":  # ann starts one up: bob first, then ties go by name
        assert got == ["bob", "ann", "bob", "ann"]
    else:
        assert got == ["ann", "bob", "ann", "bob"]
    assert all(rt.cases.get(c).assignee == who for c, who in done)
    assert rt.cases.assigner.assign_open(strategy) == []  # nothing left unassigned
    events = rt.cases.detail(done[0][0]).events
    assert events[-1].action == "auto_assigned" and events[-1].details["strategy"] == strategy
