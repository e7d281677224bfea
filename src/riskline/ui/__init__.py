"""Analyst console: server-rendered pages (FastAPI + Jinja2 + HTMX) under ``/console``.

Sign-in with roles (analyst, supervisor, admin), the review queue and case pages (on
``riskline.cases``), decision / account / person pages, the linked-entity graph drawn with
cytoscape.js, dashboards. ``riskline console add-user`` creates users. Its settings are the
``console`` section of :class:`riskline.config.Settings` (``RISKLINE_CONSOLE_*``).
"""

from riskline.ui.app import Console, create_console, mount_console
from riskline.ui.passwords import hash_password, verify_password
from riskline.ui.sessions import Session, SessionStore, Signer
from riskline.ui.users import ConsoleRole, ConsoleUser, UserStore

__all__ = [
    "Console",
    "ConsoleRole",
    "ConsoleUser",
    "Session",
    "SessionStore",
    "Signer",
    "UserStore",
    "create_console",
    "hash_password",
    "mount_console",
    "verify_password",
]
