"""Notices projected from the live system: line changes, decisions, case events, appeals."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from riskline.cases import ConfirmFraud, Reviewer
from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.credit import LineStatus
from riskline.decisioning import Outcome
from riskline.notices import NoticeKind
from riskline.notices import tables as nt
from riskline.projection import projection_cursors
from riskline.runtime import Runtime, build_runtime
from tests.cases.conftest import auth
from tests.cases.helpers import decide, farm, settle
from tests.factories import wire


def kinds(rt: Runtime, account: str) -> list[str]:
    return [n.kind.value for n in reversed(rt.notices.notices_for(account_id=account))]


def _act(client: TestClient, token: str, line: str, **body: Any) -> None:
    r = client.post(
        f"/v1/lines/{line}/actions",
        json={"reasons": ["SUSPECTED_CASHOUT"], **body},
        headers=auth(token),
    )
    assert r.status_code == 200, r.text


def test_every_line_change_becomes_a_notice(
    rt: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    decide(rt, wire("account_opened"))
    t, line = tokens["analyst"], "ln_revolving_a1"
    _act(client, t, line, action="freeze", days=30)
    _act(client, t, line, action="reinstate")
    _act(client, t, line, action="cut_limit", limit="1000")
    _act(client, t, line, action="restore_limit")
    _act(client, t, line, action="set_limit", limit="6000")
    _act(client, t, line, action="freeze", days=1)
    rt.engine.clock.at += timedelta(days=2)  # type: ignore[attr-defined]
    decide(rt, wire("payment", at=rt.engine.clock.now() - timedelta(minutes=1)))  # expires it
    _act(client, t, line, action="freeze", days=30)
    _act(client, t, line, action="close")
    settle(rt)
    assert kinds(rt, "a1") == [
        "line_opened",
        "freeze",
        "reinstate",
        "cut_limit",
        "restore_limit",
        "set_limit",
        "freeze",
        "freeze_lifted",
        "freeze",
        "close",
    ]
    cut = next(n for n in rt.notices.notices_for(account_id="a1") if n.kind is NoticeKind.CUT_LIMIT)
    assert cut.params["product"] == "revolving" and cut.params["limit"].startswith("1000")
    by_person = rt.notices.notices_for(person_id="p1")
    assert [n.notice_id for n in by_person] == [
        n.notice_id for n in rt.notices.notices_for(account_id="a1")
    ]
    r = client.get(
        "/v1/notices", params={"account_id": "a1", "lang": "en"}, headers=auth(tokens["ingest"])
    )
    body = r.json()["notices"]
    assert body[0]["kind"] == "close" and body[0]["title"] == "We have closed your credit line"
    assert body[0]["appealable"] and "appeal" in body[0]["how_to_appeal"]
    assert "turn credit into cash" in body[0]["why"][0]
    zh = client.get(
        "/v1/notices", params={"person_id": "p1", "lang": "zh-CN"}, headers=auth(tokens["ingest"])
    ).json()["notices"]
    assert zh[0]["title"] == "我们已关闭您的信用额度" and "套现" in zh[0]["why"][0]


def test_declines_reviews_and_challenges_become_notices(rt: Runtime) -> None:
    decide(rt, wire("account_opened"))
    external = [
        wire("loan_application", channel="external", platform=f"p{i}", amount="1000.00")
        for i in range(5)
    ]
    decide(rt, *external)
    (declined,) = decide(rt, wire("loan_application", amount="2000.00"))
    assert declined.outcome is Outcome.DECLINE
    (spend,) = decide(rt, wire("payment", amount="9000.00"))  # over the limit, like cash-out
    assert spend.outcome is Outcome.DECLINE
    # the other platforms' declines are not ours to notify; the declined purchase also opened
    # a review (a decline that opens a review reaches the queue too)
    assert kinds(rt, "a1") == [
        "line_opened",
        "decline_application",
        "freeze",
        "review_opened",
        "payment_declined",
    ]
    assert rt.cases.case_for_decision(spend.decision_id) is not None
    multi = next(
        n
        for n in rt.notices.rendered_for("en", account_id="a1")
        if n.notice.kind is NoticeKind.DECLINE_APPLICATION
    )
    assert multi.why == ("You have applied for credit at many places recently.",)


def test_a_challenge_asks_the_user_to_confirm(
    rt_settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    from importlib import resources

    policy = yaml.safe_load(
        resources.files("riskline.decisioning").joinpath("default_policy.yaml").read_text()
    )
    policy["version"] = "test-challenge"
    policy["checks"].append(
        {
            "id": "big_spend",
            "events": ["payment"],
            "when": "event.amount >= 3000",
            "outcome": "challenge",
            "reason": {"code": "NEW_DEVICE_DRAWDOWN", "text": "confirm"},
            "actions": [{"kind": "challenge"}],
        }
    )
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy))
    rt = build_runtime(rt_settings.model_copy(update={"policy_path": path}), clock=clock)
    try:
        decide(rt, wire("account_opened"))
        (d,) = decide(rt, wire("payment", amount="3000.50"))
        assert d.outcome is Outcome.CHALLENGE
        (n,) = [
            x
            for x in rt.notices.rendered_for("zh-CN", account_id="a1")
            if x.notice.kind is NoticeKind.CHALLENGE_REQUESTED
        ]
        assert n.title == "请确认是您本人操作" and "设备" in n.why[0]
    finally:
        rt.close()


def test_appeal_round_trip_granted(rt: Runtime, client: TestClient, tokens: dict[str, str]) -> None:
    decide(rt, wire("account_opened"))
    _act(client, tokens["analyst"], "ln_revolving_a1", action="freeze", days=30)
    settle(rt)
    h = auth(tokens["ingest"])
    notices = client.get("/v1/notices", params={"account_id": "a1"}, headers=h).json()["notices"]
    freeze = next(n for n in notices if n["kind"] == "freeze")
    opened = next(n for n in notices if n["kind"] == "line_opened")
    assert not opened["appealable"]
    url = f"/v1/notices/{freeze['notice_id']}/appeal"
    wrong = client.post(url, json={"account_id": "a2", "message": "mine"}, headers=h)
    assert wrong.status_code == 403
    no = client.post(
        f"/v1/notices/{opened['notice_id']}/appeal",
        json={"account_id": "a1", "message": "?"},
        headers=h,
    )
    assert no.status_code == 422
    r = client.post(url, json={"account_id": "a1", "message": "I only bought a phone"}, headers=h)
    assert r.status_code == 200, r.text
    appeal = r.json()
    assert appeal["created"] and appeal["status"] == "open" and "risk" not in appeal
    again = client.post(url, json={"account_id": "a1", "message": "again"}, headers=h).json()
    assert again["appeal_id"] == appeal["appeal_id"] and not again["created"]
    settle(rt)
    assert kinds(rt, "a1")[-1] == "appeal_received"
    case = rt.cases.get(appeal["case_id"])
    assert case.group_kind == "appeal"
    assert case.due_at <= rt.engine.clock.now() + timedelta(hours=rt.cases.policy.appeal_hours)
    body = {"action": "clear", "why": "a normal purchase"}
    done = client.post(
        f"/v1/cases/{case.case_id}/actions", json=body, headers=auth(tokens["analyst"])
    )
    assert done.status_code == 200, done.text
    settle(rt)
    (line,) = rt.store.lines_for(["a1"])
    assert line.status is LineStatus.ACTIVE
    assert kinds(rt, "a1")[-2:] in (
        ["reinstate", "appeal_granted"],
        ["appeal_granted", "reinstate"],
    )
    granted = rt.notices.rendered_for("en", account_id="a1")
    assert any(n.title == "Your appeal was successful" for n in granted)


def test_appeal_joins_the_review_case_and_is_upheld(
    rt: Runtime, analyst: Reviewer, tokens: dict[str, str], client: TestClient
) -> None:
    decide(rt, *farm())
    review = next(
        n for n in rt.notices.notices_for(account_id="fa5") if n.kind is NoticeKind.REVIEW_OPENED
    )
    receipt = rt.notices.appeal(review.notice_id, "fa5", "this is my own phone")
    (case,) = rt.cases.queue()
    assert receipt.case.case_id == case.case_id and receipt.created
    rt.cases.act(case.case_id, ConfirmFraud("farm", blocklist=False), analyst)
    settle(rt)
    assert kinds(rt, "fa5")[-1] == "appeal_upheld"
    assert kinds(rt, "fa0")[-1] == "case_confirmed"
    assert review.decision_id in {lb.decision_id for lb in rt.cases.labels()}


def test_projections_are_idempotent_and_survive_restart(
    rt: Runtime,
    rt_settings: Settings,
    clock: FixedClock,
    client: TestClient,
    tokens: dict[str, str],
) -> None:
    decide(rt, *farm())
    _act(client, tokens["analyst"], "ln_revolving_fa0", action="freeze", days=3)
    settle(rt)

    def count() -> int:
        with rt.db.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(nt.notices)).scalar_one())

    before = count()
    follower = rt.followers[1]
    assert rt.ingestor.call(follower.catch_up).result() == 0
    with rt.db.begin() as conn:
        conn.execute(delete(projection_cursors))
    assert rt.ingestor.call(follower.catch_up).result() == 0
    assert count() == before
    rt.close()
    again = build_runtime(rt_settings, clock=clock)
    try:
        settle(again)
        assert len(again.notices.notices_for(account_id="fa0")) == len(kinds(again, "fa0"))
        with again.db.connect() as conn:
            assert conn.execute(select(func.count()).select_from(nt.notices)).scalar_one() == before
    finally:
        again.close()


def test_disclosure_and_education_routes(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["ingest"])
    d = client.get("/v1/notices/disclosure", params={"lang": "en"}, headers=h).json()
    assert d["language"] == "en" and "appeal" in d["body"]
    e = client.get("/v1/notices/education", headers=h).json()
    assert e["language"] == "zh-CN" and "套现" in e["topics"]["cash_out"]["body"]
    assert client.get("/v1/notices/education", params={"lang": "fr"}, headers=h).status_code == 422


def test_information_requests_and_cleared_cases_reach_every_account_of_the_case(
    rt: Runtime, analyst: Reviewer
) -> None:
    from riskline.cases import Clear, RequestInfo

    decide(rt, *farm())
    (case,) = rt.cases.queue()
    ask = "A photo of a utility bill with your address"
    rt.cases.act(case.case_id, RequestInfo("are they flatmates?", ask), analyst)
    settle(rt)
    for account in (f"fa{i}" for i in range(6)):
        assert kinds(rt, account)[-1] == "info_requested", account
    rt.cases.act(case.case_id, Clear("six flatmates sharing one old laptop"), analyst)
    settle(rt)
    for account in (f"fa{i}" for i in range(6)):
        assert kinds(rt, account)[-1] == "case_cleared", account
    (note,) = [
        n
        for n in rt.notices.rendered_for("en", account_id="fa0")
        if n.notice.kind is NoticeKind.INFO_REQUESTED
    ]
    assert "flatmates" not in repr(note)  # the analyst's reason stays internal
    assert note.notice.params == {"ask": ask}  # what the user is asked for reaches them
    assert not note.notice.appealable
