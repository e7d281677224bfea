"""Console sessions: random ids kept server-side (hashed), carried in a signed cookie.

The cookie holds ``<session id>.<HMAC>``; the database holds only SHA-256 of the id, so a
copy of the table opens no session, and a forged or altered cookie fails the HMAC before
any lookup. Each session has its own CSRF token; logout deletes the row at once.

>>> s = Signer(b"k" * 32)
>>> s.unsign(s.sign("abc")), s.unsign("abc.forged"), s.unsign("nodot")
('abc', None, None)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update

from riskline.clock import Clock, SystemClock
from riskline.errors import Unauthenticated
from riskline.ui.tables import console_sessions, console_users
from riskline.ui.users import ConsoleRole, ConsoleUser

__all__ = ["Session", "SessionStore", "Signer"]


class Signer:
    """HMAC-SHA256 signatures for cookie values."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def _mac(self, value: str) -> str:
        raw = hmac.new(self.key, value.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def sign(self, value: str) -> str:
        """``value`` with its signature appended."""
        return f"{value}.{self._mac(value)}"

    def unsign(self, token: str) -> str | None:
        """The value when the signature is right, else None."""
        value, dot, mac = token.rpartition(".")
        if not dot or not value or not hmac.compare_digest(mac, self._mac(value)):
            return None
        return value


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in user's session."""

    user: ConsoleUser
    csrf_token: str
    created_at: datetime
    expires_at: datetime


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    """Create, resolve and end sessions; ``idle`` and ``lifetime`` bound how long one lives."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock | None = None,
        idle: timedelta = timedelta(minutes=30),
        lifetime: timedelta = timedelta(hours=12),
        touch_every: timedelta = timedelta(seconds=30),
    ) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()
        self.idle = idle
        self.lifetime = lifetime
        self.touch_every = touch_every

    def create(self, user: ConsoleUser) -> tuple[str, Session]:
        """A new session id (for the cookie only) and its session; expired rows are purged."""
        now = self.clock.now()
        session_id = secrets.token_urlsafe(32)
        session = Session(user, secrets.token_urlsafe(32), now, now + self.lifetime)
        with self.engine.begin() as conn:
            conn.execute(delete(console_sessions).where(console_sessions.c.expires_at <= now))
            conn.execute(
                console_sessions.insert().values(
                    session_hash=_digest(session_id),
                    username=user.username,
                    csrf_token=session.csrf_token,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=session.expires_at,
                )
            )
        return session_id, session

    def resolve(self, session_id: str) -> Session:
        """The live session behind ``session_id``, or :class:`Unauthenticated`."""
        now = self.clock.now()
        s, u = console_sessions.c, console_users.c
        q = (
            select(
                s.csrf_token,
                s.created_at,
                s.last_seen_at,
                s.expires_at,
                u.username,
                u.role,
                u.created_at.label("user_created_at"),
                u.disabled_at,
            )
            .join_from(console_sessions, console_users, s.username == u.username)
            .where(s.session_hash == _digest(session_id))
        )
        with self.engine.connect() as conn:
            row = conn.execute(q).mappings().first()
        if row is None or row["expires_at"] <= now or row["last_seen_at"] + self.idle <= now:
            raise Unauthenticated("your session has ended; please sign in again")
        if row["disabled_at"] is not None:
            raise Unauthenticated("this console user is disabled")
        if now - row["last_seen_at"] >= self.touch_every:
            with self.engine.begin() as conn:
                conn.execute(
                    update(console_sessions)
                    .where(s.session_hash == _digest(session_id))
                    .values(last_seen_at=now)
                )
        user = ConsoleUser(row["username"], ConsoleRole(row["role"]), row["user_created_at"])
        return Session(user, row["csrf_token"], row["created_at"], row["expires_at"])

    def end(self, session_id: str) -> None:
        """Delete the session (logout)."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(console_sessions).where(
                    console_sessions.c.session_hash == _digest(session_id)
                )
            )
