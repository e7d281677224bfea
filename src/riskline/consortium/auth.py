"""Mutual authentication between members: HMAC-signed requests and responses.

Every pair of members shares a secret (exchanged out of band when a member joins). A request
carries the sender's id, a timestamp, a random nonce and
``HMAC(secret, "req", method, path, sender, recipient, timestamp, nonce, sha256(body))``; the
holder refuses unknown members, bad signatures, clocks more than ``skew`` apart and any nonce
seen before (no replay). The response is signed with the same secret over its status, body and
the request's nonce, so the querier knows the answer came from that member, for that request.
TLS still protects the bytes in transit; the signatures prove who is talking.

>>> s = Signer("bank-a", "bank-b", b"0123456789abcdef0123")
>>> h = s.sign("POST", "/v1/query/blacklist", b"x", now=1000.0, nonce="n1")
>>> Verifier("bank-b", {"bank-a": b"0123456789abcdef0123"}).verify(
...     "POST", "/v1/query/blacklist", b"x", h, now=1001.0)
'bank-a'
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import threading
from collections.abc import Mapping

from riskline.errors import Unauthenticated

__all__ = ["H_MEMBER", "H_NONCE", "H_SIGNATURE", "H_TIMESTAMP", "Signer", "Verifier"]

H_MEMBER = "x-consortium-member"
H_TIMESTAMP = "x-consortium-timestamp"
H_NONCE = "x-consortium-nonce"
H_SIGNATURE = "x-consortium-signature"
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _mac(secret: bytes, *parts: str) -> str:
    return hmac.new(secret, "\n".join(parts).encode(), hashlib.sha256).hexdigest()


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class Signer:
    """Signs my requests to one peer and checks that peer's responses."""

    def __init__(self, me: str, peer: str, secret: bytes) -> None:
        self.me = me
        self.peer = peer
        self._secret = secret

    def sign(
        self, method: str, path: str, body: bytes, *, now: float, nonce: str | None = None
    ) -> dict[str, str]:
        """Headers authenticating one request."""
        nonce = nonce or secrets.token_hex(16)
        ts = f"{now:.3f}"
        sig = _mac(self._secret, "req", method, path, self.me, self.peer, ts, nonce, _digest(body))
        return {H_MEMBER: self.me, H_TIMESTAMP: ts, H_NONCE: nonce, H_SIGNATURE: sig}

    def check_response(self, status: int, body: bytes, nonce: str, signature: str) -> None:
        """Refuse a response not signed by the peer for this request."""
        want = _mac(self._secret, "res", str(status), self.peer, self.me, nonce, _digest(body))
        if not hmac.compare_digest(want, signature or ""):
            raise Unauthenticated(f"the response does not carry {self.peer}'s signature")


class Verifier:
    """Checks signed requests from known members and signs the responses."""

    def __init__(self, me: str, secrets_by_member: Mapping[str, bytes], skew: float = 300.0):
        self.me = me
        self._secrets = dict(secrets_by_member)
        self.skew = skew
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def precheck(self, headers: Mapping[str, str], *, now: float) -> bytes:
        """The sender's secret if the headers alone can be right (member, fresh finite time).

        Called before the body is read, so an unknown sender never gets a byte buffered.
        """
        secret = self._secrets.get(headers.get(H_MEMBER, ""))
        if secret is None:
            raise Unauthenticated("unknown consortium member (sign requests with your member id)")
        try:
            sent = float(headers.get(H_TIMESTAMP, ""))
        except ValueError:
            raise Unauthenticated("missing or malformed request timestamp") from None
        if not math.isfinite(sent):
            raise Unauthenticated("the request timestamp must be a finite number of seconds")
        if abs(now - sent) > self.skew:
            raise Unauthenticated(f"request timestamp is more than {self.skew:.0f} s off")
        if not _HEX64.fullmatch(headers.get(H_SIGNATURE, "")):
            raise Unauthenticated("missing or malformed request signature")
        return secret

    def verify(
        self, method: str, path: str, body: bytes, headers: Mapping[str, str], *, now: float
    ) -> str:
        """The authenticated member id, or :class:`Unauthenticated`."""
        secret = self.precheck(headers, now=now)
        member = headers[H_MEMBER]
        ts, nonce = headers[H_TIMESTAMP], headers.get(H_NONCE, "")
        want = _mac(secret, "req", method, path, member, self.me, ts, nonce, _digest(body))
        if not hmac.compare_digest(want, headers[H_SIGNATURE]):
            raise Unauthenticated("bad request signature")
        self._remember(f"{member}:{nonce}", now)
        return member

    def _remember(self, key: str, now: float) -> None:
        with self._lock:
            if len(self._seen) > 100_000 or (len(self._seen) & 1023) == 0:
                horizon = now - 2 * self.skew
                self._seen = {k: t for k, t in self._seen.items() if t >= horizon}
            if key in self._seen:
                raise Unauthenticated("replayed request (nonce already used)")
            self._seen[key] = now

    def sign_response(self, member: str, status: int, body: bytes, nonce: str) -> str:
        """The signature header value for my response to ``member``'s request."""
        secret = self._secrets.get(member)
        if secret is None:
            return ""
        return _mac(secret, "res", str(status), self.me, member, nonce, _digest(body))
