"""User notices in zh-CN and en: what happened, why in plain words, what to do, how to appeal.

``NoticeFollower`` projects line history, decisions and case events into notices;
``NoticeService`` reads and renders them and takes appeals (``Appeals``: an appeal joins or
opens a review case; ``AppealBook`` is what closing that case needs from its appeals);
``Renderer`` holds the templates (``templates/*.yaml``), the risk education texts and the
application-time disclosure.
"""

from riskline.notices.appeals import AppealBook, AppealReceipt, Appeals
from riskline.notices.follower import NoticeFollower, notice_id_for
from riskline.notices.render import Renderer
from riskline.notices.service import NoticeService
from riskline.notices.types import (
    APPEALABLE,
    LANGUAGES,
    Notice,
    NoticeKind,
    RenderedNotice,
    language,
)

__all__ = [
    "APPEALABLE",
    "LANGUAGES",
    "AppealBook",
    "AppealReceipt",
    "Appeals",
    "Notice",
    "NoticeFollower",
    "NoticeKind",
    "NoticeService",
    "RenderedNotice",
    "Renderer",
    "language",
    "notice_id_for",
]
