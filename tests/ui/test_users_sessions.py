"""Console users (scrypt hashes, roles, lockout) and sessions (signed ids, expiry, logout)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from riskline.clock import FixedClock
from riskline.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from riskline.ui import ConsoleRole, SessionStore, Signer, UserStore, hash_password
from riskline.ui.passwords import needs_rehash, verify_password
from riskline.ui.tables import console_sessions, console_users

PW = "a long enough password"
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def wall() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def users(db: Engine, wall: FixedClock) -> UserStore:
    return UserStore(db, clock=wall, work=2**10, max_failures=3, lockout=timedelta(minutes=5))


def test_hashes_are_salted_slow_and_verifiable() -> None:
    a, b = hash_password(PW, n=2**10), hash_password(PW, n=2**10)
    assert a != b and a.startswith("scrypt$1024$8$1$") and PW not in a
    assert verify_password(PW, a) and verify_password(PW, b)
    assert not verify_password(PW + "x", a)
    assert not verify_password(PW, "md5$abc") and not verify_password(PW, "garbage")
    assert needs_rehash(a, n=2**11) and not needs_rehash(a, n=2**10)
    with pytest.raises(InvalidInput, match="at least 12"):
        hash_password("short")


def test_roles_include_the_ones_below() -> None:
    assert ConsoleRole.ADMIN.allows(ConsoleRole.SUPERVISOR)
    assert ConsoleRole.SUPERVISOR.allows(ConsoleRole.ANALYST)
    assert not ConsoleRole.SUPERVISOR.allows(ConsoleRole.ADMIN)
    assert not ConsoleRole.ANALYST.allows(ConsoleRole.SUPERVISOR)
    with pytest.raises(InvalidInput, match="unknown role"):
        ConsoleRole.parse("root")


def test_add_and_authenticate(users: UserStore, db: Engine) -> None:
    user = users.add("Alice", "supervisor", PW)
    assert user.username == "alice" and user.role is ConsoleRole.SUPERVISOR
    assert users.authenticate("ALICE ", PW).username == "alice"
    with db.connect() as conn:
        stored = conn.execute(select(console_users.c.password_hash)).scalar_one()
    assert PW not in stored and verify_password(PW, stored)
    with pytest.raises(Conflict):
        users.add("alice", "analyst", PW)
    with pytest.raises(InvalidInput):
        users.add("a b", "analyst", PW)
    with pytest.raises(Unauthenticated, match="wrong user name or password"):
        users.authenticate("alice", "wrong password here")
    with pytest.raises(Unauthenticated, match="wrong user name or password"):
        users.authenticate("nobody", PW)
    with pytest.raises(NotFound):
        users.get("nobody")


def test_lockout_after_repeated_failures(users: UserStore, wall: FixedClock) -> None:
    users.add("bob", "analyst", PW)
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            users.authenticate("bob", "not the password")
    with pytest.raises(Unauthenticated, match="locked"):
        users.authenticate("bob", PW)  # even the right password, while locked
    wall.advance(timedelta(minutes=6))
    assert users.authenticate("bob", PW).username == "bob"
    with pytest.raises(Unauthenticated, match="wrong"):
        users.authenticate("bob", "not the password")  # the count restarted at zero


def test_disabled_user_cannot_sign_in_and_loses_sessions(users: UserStore, db: Engine) -> None:
    user = users.add("carol", "analyst", PW)
    sessions = SessionStore(db)
    sid, _ = sessions.create(user)
    users.set_disabled("carol", True)
    with pytest.raises(Unauthenticated):
        users.authenticate("carol", PW)
    with pytest.raises(Unauthenticated):
        sessions.resolve(sid)
    users.set_disabled("carol", False)
    assert users.authenticate("carol", PW).disabled_at is None


def test_login_upgrades_an_old_hash(db: Engine, wall: FixedClock) -> None:
    UserStore(db, clock=wall, work=2**10).add("dave", "analyst", PW)
    UserStore(db, clock=wall, work=2**11).authenticate("dave", PW)
    with db.connect() as conn:
        stored = conn.execute(select(console_users.c.password_hash)).scalar_one()
    assert stored.startswith("scrypt$2048$")


def test_signer_refuses_tampering() -> None:
    signer = Signer(b"k" * 32)
    token = signer.sign("session-id")
    assert signer.unsign(token) == "session-id"
    assert signer.unsign(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert signer.unsign("other-id" + token[token.rindex(".") :]) is None
    assert Signer(b"j" * 32).unsign(token) is None


def test_sessions_expire_when_idle_or_old(users: UserStore, db: Engine, wall: FixedClock) -> None:
    user = users.add("erin", "analyst", PW)
    store = SessionStore(db, clock=wall, idle=timedelta(minutes=30), lifetime=timedelta(hours=2))
    sid, session = store.create(user)
    with db.connect() as conn:
        stored = conn.execute(select(console_sessions.c.session_hash)).scalar_one()
    assert sid not in stored and len(stored) == 64  # only a digest of the id is kept
    assert store.resolve(sid).csrf_token == session.csrf_token
    wall.advance(timedelta(minutes=29))
    store.resolve(sid)  # activity keeps it alive
    wall.advance(timedelta(minutes=29))
    assert store.resolve(sid).user.username == "erin"
    wall.advance(timedelta(minutes=31))
    with pytest.raises(Unauthenticated, match="ended"):
        store.resolve(sid)
    sid2, _ = store.create(user)
    for _ in range(4):
        wall.advance(timedelta(minutes=25))
        store.resolve(sid2)
    wall.advance(timedelta(minutes=25))
    with pytest.raises(Unauthenticated):  # past the two-hour lifetime despite activity
        store.resolve(sid2)


def test_logout_and_password_change_end_sessions(users: UserStore, db: Engine) -> None:
    user = users.add("fay", "analyst", PW)
    store = SessionStore(db)
    first, _ = store.create(user)
    second, _ = store.create(user)
    store.end(first)
    with pytest.raises(Unauthenticated):
        store.resolve(first)
    assert store.resolve(second).user.username == "fay"
    users.set_password("fay", "another long password")
    with pytest.raises(Unauthenticated):
        store.resolve(second)
    assert users.authenticate("fay", "another long password").username == "fay"


def test_role_change_applies_to_live_sessions(users: UserStore, db: Engine) -> None:
    user = users.add("gus", "analyst", PW)
    store = SessionStore(db)
    sid, _ = store.create(user)
    users.set_role("gus", "admin")
    assert store.resolve(sid).user.role is ConsoleRole.ADMIN
