"""API keys: created once (the secret is shown once), stored as a SHA-256 hash, revocable.

A key reads ``rk_<key_id>_<secret>``; the secret has 256 bits of entropy, so a plain
SHA-256 is enough to make the stored hash useless to a thief.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine, or_, select, update

from riskline.errors import InvalidInput, NotFound, Unauthenticated
from riskline.storage import tables as tb
from riskline.storage.audit import AuditLog

__all__ = ["ApiKey", "KeyStore", "Role"]


class Role(StrEnum):
    """What a key may do."""

    INGEST = "ingest"
    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    """An analyst who may also approve four-eyes actions (blocklisting, closing lines)."""
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key (never the secret)."""

    key_id: str
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyStore:
    """Create, verify and revoke API keys."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.audit = AuditLog(engine)

    def create(self, name: str, role: str, actor: str = "admin-cli") -> tuple[ApiKey, str]:
        """A new key and its full token (shown once); audited as created by ``actor``."""
        try:
            parsed = Role(role)
        except ValueError:
            raise InvalidInput(
                f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}"
            ) from None
        if not name.strip() or len(name) > 128:
            raise InvalidInput("a key needs a name of 1 to 128 characters")
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        key = ApiKey(key_id, name.strip(), parsed, datetime.now(UTC), None)
        with self.engine.begin() as conn:
            conn.execute(
                tb.api_keys.insert().values(
                    key_id=key_id,
                    name=key.name,
                    role=parsed.value,
                    key_hash=_hash(secret),
                    created_at=key.created_at,
                )
            )
            detail = {"name": key.name, "role": parsed.value}
            self.audit.append(conn, "key.created", actor, key_id, detail, key.created_at)
        return key, f"rk_{key_id}_{secret}"

    def verify(self, token: str) -> ApiKey:
        """The key behind a token, or :class:`Unauthenticated`."""
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "rk":
            raise Unauthenticated("malformed API key")
        _, key_id, secret = parts
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(tb.api_keys).where(tb.api_keys.c.key_id == key_id))
                .mappings()
                .first()
            )
        if row is None or not hmac.compare_digest(row["key_hash"], _hash(secret)):
            raise Unauthenticated("unknown API key")
        if row["revoked_at"] is not None and row["revoked_at"] <= datetime.now(UTC):
            raise Unauthenticated("this API key was revoked")
        return ApiKey(
            row["key_id"], row["name"], Role(row["role"]), row["created_at"], row["revoked_at"]
        )

    def revoke(self, key_id: str, actor: str = "admin-cli", grace: timedelta | None = None) -> None:
        """Revoke a key, at once or after ``grace`` (so clients can switch to its successor)."""
        at = datetime.now(UTC) + (grace or timedelta(0))
        c = tb.api_keys.c
        with self.engine.begin() as conn:
            res = conn.execute(
                update(tb.api_keys)
                .where(
                    c.key_id == key_id,
                    or_(c.revoked_at.is_(None), c.revoked_at > at),
                )
                .values(revoked_at=at)
            )
            if res.rowcount != 1:
                raise NotFound(f"no active key {key_id}")
            self.audit.append(conn, "key.revoked", actor, key_id, {"effective_at": at})

    def rotate(
        self, key_id: str, actor: str = "admin-cli", grace: timedelta = timedelta(hours=24)
    ) -> tuple[ApiKey, str]:
        """A successor with the same name and role; the old key stops working after ``grace``."""
        old = next((k for k in self.list() if k.key_id == key_id), None)
        if old is None or (old.revoked_at is not None and old.revoked_at <= datetime.now(UTC)):
            raise NotFound(f"no active key {key_id}")
        new, token = self.create(old.name, old.role.value, actor)
        self.revoke(key_id, actor, grace)
        return new, token

    def list(self) -> list[ApiKey]:
        """Every key, newest first."""
        with self.engine.connect() as conn:
            rows = (
                conn.execute(select(tb.api_keys).order_by(tb.api_keys.c.created_at.desc()))
                .mappings()
                .all()
            )
        return [
            ApiKey(r["key_id"], r["name"], Role(r["role"]), r["created_at"], r["revoked_at"])
            for r in rows
        ]
