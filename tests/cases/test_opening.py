"""One way to open a case: the follower (a review decision) and a user's appeal both go
through ``open_case``, so both leave the same trail and both publish ``case.opened``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from riskline.cases import CaseFollower, CasePolicy, CaseStatus
from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.events import PiiHasher, parse_event
from riskline.notices import Appeals
from riskline.runtime import build_runtime
from tests.cases.helpers import farm


class Published:
    """A fake outbox: what was emitted, by topic and key."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, conn: Connection, topic: str, key: str, data: Mapping[str, Any]) -> None:
        self.seen.append((topic, key, dict(data)))


def test_follower_and_appeal_open_cases_the_same_way(
    rt_settings: Settings, clock: FixedClock
) -> None:
    rt = build_runtime(rt_settings, clock=clock, projections=False)
    try:
        hasher = PiiHasher(rt.settings.pii_key)
        rt.ingestor.process([parse_event(b, hasher) for b in farm()])
        published, policy = Published(), CasePolicy.default()
        follower = CaseFollower(rt.db, policy, clock, emit=published)
        assert follower.catch_up() > 0
        appeals = Appeals(rt.db, clock, policy, emit=published)
        receipt = appeals.appeal("n_nobody", "stranger", None, "why was I declined?")
        assert receipt.created and receipt.case.group_kind == "appeal"

        by_decisions = {c.case_id for c in rt.cases.queue() if c.group_kind != "appeal"}
        opened = {key: data for topic, key, data in published.seen if topic == "case.opened"}
        assert by_decisions and set(opened) == by_decisions | {receipt.case.case_id}
        assert all(opened[c]["decision_id"] for c in by_decisions)
        assert opened[receipt.case.case_id]["notice_id"] == "n_nobody"
        shared = {"case_id", "group", "ring_id", "opened_at"}
        assert all(shared <= set(data) for data in opened.values())
        for case_id in opened:
            detail = rt.cases.detail(case_id)
            first = detail.events[0]
            assert (first.action, first.actor) == ("opened", "system")
            assert detail.case.status is CaseStatus.OPEN and detail.case.version >= 1
    finally:
        rt.close()
