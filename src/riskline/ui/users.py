"""Console users: roles, salted slow password hashes, lockout after repeated failures."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from riskline.clock import Clock, SystemClock
from riskline.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from riskline.ui.passwords import DEFAULT_N, hash_password, needs_rehash, verify_password
from riskline.ui.tables import console_sessions, console_users

__all__ = ["ConsoleRole", "ConsoleUser", "UserStore"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class ConsoleRole(StrEnum):
    """What a console user may do; each role includes the ones before it."""

    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """0 for analyst, 1 for supervisor, 2 for admin."""
        return list(ConsoleRole).index(self)

    def allows(self, needed: ConsoleRole) -> bool:
        """Whether this role may do what ``needed`` may.

        >>> ConsoleRole.SUPERVISOR.allows(ConsoleRole.ANALYST), ConsoleRole.ANALYST.allows("admin")
        (True, False)
        """
        return self.rank >= ConsoleRole(needed).rank

    @classmethod
    def parse(cls, value: str) -> ConsoleRole:
        """The role named ``value``, or :class:`InvalidInput`."""
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise InvalidInput(f"unknown role {value!r}; choose one of {names}") from None


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """A console user as the views see it (never the password hash)."""

    username: str
    role: ConsoleRole
    created_at: datetime
    disabled_at: datetime | None = None
    locked_until: datetime | None = None


def normalise_username(name: str) -> str:
    """Lower-case ``name``, or :class:`InvalidInput` when it is not a valid user name."""
    clean = name.strip().lower()
    if not _NAME.match(clean):
        raise InvalidInput("a user name has 2-64 characters: letters, digits, '.', '_' or '-'")
    return clean


def _user(row: Any) -> ConsoleUser:
    return ConsoleUser(
        row["username"],
        ConsoleRole(row["role"]),
        row["created_at"],
        row["disabled_at"],
        row["locked_until"],
    )


class UserStore:
    """Create, authenticate, change and disable console users in the database."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock | None = None,
        work: int = DEFAULT_N,
        max_failures: int = 10,
        lockout: timedelta = timedelta(minutes=15),
    ) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()
        self.work = work
        self.max_failures = max_failures
        self.lockout = lockout
        self._dummy_: str | None = None

    def add(self, username: str, role: str, password: str) -> ConsoleUser:
        """A new user; :class:`Conflict` when the name is taken."""
        name, parsed = normalise_username(username), ConsoleRole.parse(role)
        hashed = hash_password(password, n=self.work)
        now = self.clock.now()
        row = {
            "username": name,
            "role": parsed.value,
            "password_hash": hashed,
            "created_at": now,
            "password_changed_at": now,
            "disabled_at": None,
            "failed_logins": 0,
            "locked_until": None,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(console_users.insert().values(**row))
        except IntegrityError:
            raise Conflict(f"a console user named {name} already exists") from None
        return ConsoleUser(name, parsed, now)

    def get(self, username: str) -> ConsoleUser:
        """One user, or :class:`NotFound`."""
        row = self._row(username.strip().lower())
        if row is None:
            raise NotFound(f"no console user {username}")
        return _user(row)

    def list(self) -> list[ConsoleUser]:
        """Every user, by name."""
        q = select(console_users).order_by(console_users.c.username)
        with self.engine.connect() as conn:
            return [_user(r) for r in conn.execute(q).mappings()]

    def authenticate(self, username: str, password: str) -> ConsoleUser:
        """The user when the password matches; :class:`Unauthenticated` otherwise.

        Unknown names cost the same hashing time as known ones; ``max_failures`` wrong
        passwords in a row lock the user for ``lockout``.
        """
        name = username.strip().lower()
        row = self._row(name) if _NAME.match(name) else None
        now = self.clock.now()
        if row is None:
            verify_password(password, self._dummy())
            raise Unauthenticated("wrong user name or password")
        if row["locked_until"] is not None and row["locked_until"] > now:
            raise Unauthenticated("too many failed sign-ins: this user is locked for a while")
        if not verify_password(password, row["password_hash"]):
            self._failed(name, int(row["failed_logins"]) + 1, now)
            raise Unauthenticated("wrong user name or password")
        if row["disabled_at"] is not None:
            raise Unauthenticated("this console user is disabled")
        values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
        if needs_rehash(row["password_hash"], n=self.work):
            values["password_hash"] = hash_password(password, n=self.work)
        self._update(name, values)
        return _user({**row, "locked_until": None})

    def set_password(self, username: str, password: str) -> None:
        """Replace the password and end the user's sessions."""
        hashed = hash_password(password, n=self.work)
        self._update(
            username,
            {
                "password_hash": hashed,
                "password_changed_at": self.clock.now(),
                "failed_logins": 0,
                "locked_until": None,
            },
            end_sessions=True,
        )

    def set_role(self, username: str, role: str) -> None:
        """Change the role (effective on the user's next request)."""
        self._update(username, {"role": ConsoleRole.parse(role).value})

    def set_disabled(self, username: str, disabled: bool) -> None:
        """Disable (ending every session) or re-enable a user."""
        when = self.clock.now() if disabled else None
        self._update(username, {"disabled_at": when}, end_sessions=disabled)

    def _row(self, name: str) -> Any:
        q = select(console_users).where(console_users.c.username == name)
        with self.engine.connect() as conn:
            return conn.execute(q).mappings().first()

    def _failed(self, name: str, failures: int, now: datetime) -> None:
        locked = now + self.lockout if failures >= self.max_failures else None
        self._update(name, {"failed_logins": 0 if locked else failures, "locked_until": locked})

    def _update(self, username: str, values: dict[str, Any], end_sessions: bool = False) -> None:
        name = username.strip().lower()
        with self.engine.begin() as conn:
            res = conn.execute(
                update(console_users).where(console_users.c.username == name).values(**values)
            )
            if res.rowcount != 1:
                raise NotFound(f"no console user {username}")
            if end_sessions:
                conn.execute(console_sessions.delete().where(console_sessions.c.username == name))

    def _dummy(self) -> str:
        if self._dummy_ is None:
            self._dummy_ = hash_password("x" * 16, n=self.work)
        return self._dummy_
