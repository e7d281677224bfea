"""Notice types: what happened to a user, stored language-free and rendered on request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = ["APPEALABLE", "LANGUAGES", "Notice", "NoticeKind", "RenderedNotice", "language"]

LANGUAGES = ("zh-CN", "en")
"""Languages every notice is rendered in."""


class NoticeKind(StrEnum):
    """Every user-affecting action that produces a notice."""

    LINE_OPENED = "line_opened"
    FREEZE = "freeze"
    REINSTATE = "reinstate"
    FREEZE_LIFTED = "freeze_lifted"
    CUT_LIMIT = "cut_limit"
    RESTORE_LIMIT = "restore_limit"
    SET_LIMIT = "set_limit"
    CLOSE = "close"
    DECLINE_APPLICATION = "decline_application"
    PAYMENT_DECLINED = "payment_declined"
    REVIEW_OPENED = "review_opened"
    CHALLENGE_REQUESTED = "challenge_requested"
    INFO_REQUESTED = "info_requested"
    APPEAL_RECEIVED = "appeal_received"
    APPEAL_GRANTED = "appeal_granted"
    APPEAL_UPHELD = "appeal_upheld"
    CASE_CLEARED = "case_cleared"
    CASE_CONFIRMED = "case_confirmed"
    MERCHANT_SETTLEMENT_HELD = "merchant_settlement_held"
    MERCHANT_ACCEPTANCE_CAPPED = "merchant_acceptance_capped"
    MERCHANT_RESTRICTION_LIFTED = "merchant_restriction_lifted"


APPEALABLE = frozenset(
    {
        NoticeKind.FREEZE,
        NoticeKind.CUT_LIMIT,
        NoticeKind.SET_LIMIT,
        NoticeKind.CLOSE,
        NoticeKind.DECLINE_APPLICATION,
        NoticeKind.PAYMENT_DECLINED,
        NoticeKind.REVIEW_OPENED,
        NoticeKind.CASE_CONFIRMED,
        NoticeKind.MERCHANT_SETTLEMENT_HELD,
        NoticeKind.MERCHANT_ACCEPTANCE_CAPPED,
    }
)
"""Notices of restrictions: the user may appeal them (a person reviews the appeal)."""


def language(value: str | None) -> str:
    """The supported language closest to ``value`` (``zh``, ``zh-cn``, ``zh-Hans`` -> zh-CN).

    >>> language("zh"), language("en-GB"), language(None)
    ('zh-CN', 'en', 'zh-CN')
    """
    if value is None:
        return LANGUAGES[0]
    v = value.strip().lower()
    return "en" if v.startswith("en") else "zh-CN"


@dataclass(frozen=True, slots=True)
class Notice:
    """One notice to a user (account or enterprise, and the person behind it when known)."""

    notice_id: str
    kind: NoticeKind
    account_id: str
    person_id: str | None
    reason_codes: tuple[str, ...]
    at: datetime
    source: str
    params: dict[str, str] = field(default_factory=dict)
    """Structured facts shown next to the text (product, new limit, until when)."""
    decision_id: str | None = None
    case_id: str | None = None

    @property
    def appealable(self) -> bool:
        """Whether the user may appeal the action this notice reports."""
        return self.kind in APPEALABLE


@dataclass(frozen=True, slots=True)
class RenderedNotice:
    """A notice in one language: what happened, why, what the user can do, how to appeal."""

    notice: Notice
    language: str
    title: str
    what_happened: str
    why: tuple[str, ...]
    what_you_can_do: str
    how_to_appeal: str
