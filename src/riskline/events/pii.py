"""Keyed hashing of personal identifiers (phone, ID number, card number).

Clear values never pass this module: the wire schema hands them here and keeps
only the digest. The same secret gives the same digest, so links between
accounts survive; without the secret a digest cannot be reversed by brute force.

>>> h = PiiHasher(b"test-secret")
>>> h.phone("+86 138-0013-8000") == h.phone("+8613800138000")
True
>>> h.phone("+8613800138000").startswith("ph_")
True
>>> h.phone_block("+86 138-0013-8001") == h.phone_block("+8613800138099")
True
>>> h.phone_block("+8613800138000") == h.phone_block("+8613800138100")
False
"""

from __future__ import annotations

import hashlib
import hmac
import re

__all__ = ["PiiHasher"]

_PHONE = re.compile(r"^\+?\d{7,15}$")
_ID = re.compile(r"^[0-9A-Z]{6,32}$")
_CARD = re.compile(r"^\d{12,19}$")


class PiiHasher:
    """HMAC-SHA256 of normalised identifiers, prefixed by kind."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 8:
            raise ValueError("the PII secret must be at least 8 bytes")
        self._secret = secret

    def _digest(self, prefix: str, value: str) -> str:
        mac = hmac.new(self._secret, f"{prefix}:{value}".encode(), hashlib.sha256)
        return f"{prefix}_{mac.hexdigest()[:32]}"

    def phone(self, raw: str) -> str:
        """Digest of a phone number; spaces, dashes and brackets are ignored."""
        value = re.sub(r"[\s\-()]", "", raw)
        if not _PHONE.match(value):
            raise ValueError("not a phone number (7 to 15 digits, optional leading +)")
        return self._digest("ph", value)

    def phone_block(self, raw: str) -> str | None:
        """Digest of the number's block of 100 (all but its last two digits); ``None`` for a
        number under 9 digits. SIM cards bought in bulk have consecutive numbers (连号): an
        account farm's phones share a block, strangers' rarely do."""
        digits = re.sub(r"\D", "", raw)
        if len(digits) < 9:
            return None
        return self._digest("pb", digits[:-2])

    def id_number(self, raw: str) -> str:
        """Digest of a national ID or passport number (case-insensitive)."""
        value = re.sub(r"\s", "", raw).upper()
        if not _ID.match(value):
            raise ValueError("not an ID number (6 to 32 letters or digits)")
        return self._digest("id", value)

    def card(self, raw: str) -> str:
        """Digest of a bank card number; spaces and dashes are ignored."""
        value = re.sub(r"[\s\-]", "", raw)
        if not _CARD.match(value):
            raise ValueError("not a card number (12 to 19 digits)")
        return self._digest("cd", value)
