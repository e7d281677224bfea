"""Consortium tokens: the same person gives the same token at every member, never clear text.

Every member normalises identifiers the same way (the rules of
:class:`~riskline.events.pii.PiiHasher`) and keys the hash with the one consortium key, so
tokens match across members while the institution's own PII secret stays private. Tokens carry
a ``c`` prefix (``cph_``, ``cid_``, ``cdv_``) so they are never confused with local digests.

>>> c = ConsortiumHasher(b"consortium-key-0123")
>>> c.token("phone", "+86 138-0013-8000") == c.token("phone", "+8613800138000")
True
>>> c.token("device", " D-42 ").startswith("cdv_")
True
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from riskline.errors import InvalidInput
from riskline.events.pii import PiiHasher

__all__ = ["KINDS", "Applicant", "ConsortiumHasher", "applicant", "kind_of"]

KINDS: Final = ("phone", "id", "device")
"""Identifier kinds the consortium shares."""


_PREFIX = {"cph": "phone", "cid": "id", "cdv": "device"}


def kind_of(token: str) -> str:
    """The identifier kind of a token (``cph_…`` → ``phone``)."""
    return _PREFIX.get(token.split("_", 1)[0], "unknown")


class ConsortiumHasher:
    """Keyed hashes of identifiers under the shared consortium key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise InvalidInput("the consortium key must be at least 16 bytes")
        self._pii = PiiHasher(key)
        self._key = key

    def token(self, kind: str, raw: str) -> str:
        """The consortium token of one clear identifier (``phone``, ``id`` or ``device``)."""
        try:
            if kind == "phone":
                return "c" + self._pii.phone(raw)
            if kind == "id":
                return "c" + self._pii.id_number(raw)
        except ValueError as err:
            raise InvalidInput(f"{kind}: {err}") from None
        if kind == "device":
            value = raw.strip().lower()
            if not value or len(value) > 128:
                raise InvalidInput("device: 1 to 128 characters")
            mac = hmac.new(self._key, f"dv:{value}".encode(), hashlib.sha256)
            return f"cdv_{mac.hexdigest()[:32]}"
        raise InvalidInput(f"unknown identifier kind {kind!r}; use one of {', '.join(KINDS)}")

    def tokens(self, clear: Mapping[str, str]) -> dict[str, str]:
        """Tokens of every given identifier, by kind."""
        return {kind: self.token(kind, raw) for kind, raw in clear.items() if raw}


@dataclass(frozen=True, slots=True)
class Applicant:
    """One person to screen: the caller's reference, consortium tokens and local entity ids.

    ``local`` maps a kind to the id the local engine sees (``event.phone_id`` is the local PII
    digest), so hits can be written into the local list store under the right key.
    """

    ref: str
    tokens: Mapping[str, str]
    local: Mapping[str, str]


def applicant(
    ref: str,
    clear: Mapping[str, str],
    consortium: ConsortiumHasher,
    local: PiiHasher,
    extra: Mapping[str, str] | None = None,
) -> Applicant:
    """Build an :class:`Applicant` from clear identifiers at the edge (then drop the clear values).

    ``extra`` adds local-only ids (``account``, ``person``) for the feature lookup.
    """
    ids: dict[str, str] = dict(extra or {})
    for kind, raw in clear.items():
        if not raw:
            continue
        if kind == "phone":
            ids["phone"] = local.phone(raw)
        elif kind == "id":
            ids["id"] = local.id_number(raw)
        elif kind == "device":
            ids["device"] = raw
    return Applicant(ref, consortium.tokens(clear), ids)
