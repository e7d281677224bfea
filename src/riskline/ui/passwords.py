"""Salted, slow password hashes (scrypt, from the standard library).

A stored hash reads ``scrypt$<n>$<r>$<p>$<salt>$<digest>`` (base64 salt and digest), so the
cost can be raised later and old hashes still verify (:func:`needs_rehash` says when to upgrade).

>>> stored = hash_password("correct horse battery", n=2**10)
>>> verify_password("correct horse battery", stored), verify_password("wrong", stored)
(True, False)
>>> stored.startswith("scrypt$1024$8$1$")
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from riskline.errors import InvalidInput

__all__ = ["DEFAULT_N", "MIN_PASSWORD", "hash_password", "needs_rehash", "verify_password"]

DEFAULT_N = 2**15
"""scrypt CPU/memory cost: 2^15 with r=8 takes ~32 MiB and tens of milliseconds per hash."""
MIN_PASSWORD = 12
"""Shortest password accepted for a console user (length beats composition rules)."""
_R, _P, _DKLEN = 8, 1, 32


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_DKLEN, maxmem=256 * n * r + 2**20
    )


def hash_password(password: str, *, n: int = DEFAULT_N) -> str:
    """A new salted hash of ``password`` (the password itself is never stored)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a console password needs at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise InvalidInput("a console password may have at most 1024 characters")
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, n, _R, _P)
    return f"scrypt${n}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant-time comparison of digests)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = _scrypt(password[:1024], base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(got, expected)


def needs_rehash(stored: str, *, n: int = DEFAULT_N) -> bool:
    """Whether ``stored`` was made with a lower cost than ``n`` (rehash at the next login)."""
    parts = stored.split("$")
    return len(parts) != 6 or parts[0] != "scrypt" or int(parts[1]) < n
