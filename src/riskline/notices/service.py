"""NoticeService: a user's notices in their language, appeals, disclosure and education."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, select

from riskline.errors import Forbidden, InvalidInput, NotFound
from riskline.notices import tables as nt
from riskline.notices.appeals import AppealReceipt, Appeals
from riskline.notices.render import Renderer
from riskline.notices.types import Notice, NoticeKind, RenderedNotice

__all__ = ["NoticeService"]


class NoticeService:
    """Reads projected notices, renders them, and turns a user's appeal into a case."""

    def __init__(self, db: Engine, appeals: Appeals, renderer: Renderer | None = None) -> None:
        self.db = db
        self.appeals = appeals
        self.renderer = renderer or Renderer.default()

    def notices_for(
        self,
        *,
        account_id: str | None = None,
        person_id: str | None = None,
        limit: int = 100,
    ) -> list[Notice]:
        """A user's notices, newest first, by account (or enterprise) id or by person id."""
        if (account_id is None) == (person_id is None):
            raise InvalidInput("give exactly one of account_id and person_id")
        n = nt.notices.c
        q = select(nt.notices)
        q = q.where(n.account_id == account_id) if account_id else q.where(n.person_id == person_id)
        q = q.order_by(n.at.desc(), n.id.desc()).limit(limit)
        with self.db.connect() as conn:
            return [_notice(r) for r in conn.execute(q).mappings()]

    def rendered_for(
        self,
        lang: str,
        *,
        account_id: str | None = None,
        person_id: str | None = None,
        limit: int = 100,
    ) -> list[RenderedNotice]:
        """:meth:`notices_for`, rendered in ``lang`` (zh-CN or en)."""
        found = self.notices_for(account_id=account_id, person_id=person_id, limit=limit)
        return [self.renderer.render(x, lang) for x in found]

    def get(self, notice_id: str) -> Notice:
        """One notice, or :class:`NotFound`."""
        with self.db.connect() as conn:
            q = select(nt.notices).where(nt.notices.c.notice_id == notice_id)
            row = conn.execute(q).mappings().first()
        if row is None:
            raise NotFound(f"no notice {notice_id}")
        return _notice(row)

    def appeal(self, notice_id: str, account_id: str, message: str) -> AppealReceipt:
        """The user behind ``account_id`` appeals the action a notice reports.

        Opens (or joins) a case linked to that action; the user is notified when the appeal
        is received and again when the case is decided.
        """
        if not message.strip():
            raise InvalidInput("an appeal needs a message")
        notice = self.get(notice_id)
        if notice.account_id != account_id:
            raise Forbidden("this notice belongs to another account")
        if not notice.appealable:
            raise InvalidInput(f"a {notice.kind.value} notice cannot be appealed")
        party = "merchant" if notice.kind.value.startswith("merchant_") else "account"
        return self.appeals.appeal(
            notice_id, account_id, notice.person_id, message, notice.decision_id, party
        )

    def disclosure(self, lang: str) -> dict[str, str]:
        """The disclosure shown at application time, in ``lang``."""
        return self.renderer.disclosure(lang)

    def education(self, lang: str) -> dict[str, dict[str, str]]:
        """Risk education texts (cash-out, fake transactions, scams), in ``lang``."""
        return self.renderer.education(lang)


def _notice(r: Any) -> Notice:
    return Notice(
        notice_id=r["notice_id"],
        kind=NoticeKind(r["kind"]),
        account_id=r["account_id"],
        person_id=r["person_id"],
        reason_codes=tuple(json.loads(r["reason_codes"])),
        at=r["at"],
        source=r["source"],
        params=json.loads(r["params"]),
        decision_id=r["decision_id"],
        case_id=r["case_id"],
    )
