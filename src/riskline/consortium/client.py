"""A member's client for another member's node: signed requests, verified responses, PSI."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from riskline.consortium.auth import H_NONCE, H_SIGNATURE, Signer
from riskline.consortium.psi import PsiClient
from riskline.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    RisklineError,
    Unauthenticated,
    Unavailable,
)

__all__ = ["MemberClient", "PeerSetup", "Traffic"]

_ERRORS: dict[int, type[RisklineError]] = {
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: InvalidInput,
}


@dataclass(frozen=True, slots=True)
class PeerSetup:
    """A peer's published set as the querier holds it (setups by category name)."""

    version: int
    max_batch: int
    setups: dict[str, bytes]
    counts: dict[str, int]


@dataclass(slots=True)
class Traffic:
    """Bytes sent and received, for the benchmark and the audit of my own usage."""

    sent: int = 0
    received: int = 0


class MemberClient:
    """Talks to one peer member's node on my behalf."""

    def __init__(
        self,
        me: str,
        peer: str,
        url: str,
        secret: bytes,
        *,
        transport: httpx.BaseTransport | None = None,
        now: Callable[[], float] = time.time,
        timeout: float = 120.0,
    ) -> None:
        self.peer = peer
        self.signer = Signer(me, peer, secret)
        self.now = now
        self.traffic = Traffic()
        self._http = httpx.Client(base_url=url, transport=transport, timeout=timeout)
        self._setups: dict[str, PeerSetup] = {}

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _call(self, method: str, path: str, body: bytes = b"") -> httpx.Response:
        headers = self.signer.sign(method, path, body, now=self.now())
        try:
            resp = self._http.request(method, path, content=body, headers=headers)
        except httpx.HTTPError as err:
            raise Unavailable(f"member {self.peer} unreachable: {err}") from None
        self.traffic.sent += len(body)
        self.traffic.received += len(resp.content)
        if resp.status_code != 200:
            raise _error(self.peer, resp)
        sig = resp.headers.get(H_SIGNATURE, "")
        self.signer.check_response(resp.status_code, resp.content, headers[H_NONCE], sig)
        return resp

    def summary(self) -> dict[str, Any]:
        """What the peer publishes: version, time and entry count per set kind."""
        data: dict[str, Any] = self._call("GET", "/v1/summary").json()
        return data

    def setup(self, kind: str, refresh: bool = False) -> PeerSetup:
        """The peer's current setup for ``kind`` (cached until it is superseded)."""
        if not refresh and kind in self._setups:
            return self._setups[kind]
        meta = self._call("GET", f"/v1/setup/{kind}").json()
        version = int(meta["version"])
        setups = {
            name: self._call("GET", f"/v1/setup/{kind}/{version}/{name}").content
            for name in meta["counts"]
        }
        got = PeerSetup(version, int(meta["max_batch"]), setups, dict(meta["counts"]))
        self._setups[kind] = got
        return got

    def _exchange(
        self, kind: str, items: Sequence[str], reveal: bool
    ) -> tuple[PeerSetup, PsiClient, bytes]:
        for attempt in (0, 1):
            setup = self.setup(kind, refresh=attempt > 0)
            psi = PsiClient(reveal)
            request = psi.request(items)
            try:
                resp = self._call("POST", f"/v1/query/{kind}?version={setup.version}", request)
            except Conflict:
                if attempt:
                    raise
                continue
            return setup, psi, resp.content
        raise AssertionError("unreachable")  # pragma: no cover

    def query(self, items: Sequence[str]) -> list[tuple[int, str]]:
        """``(index in items, reason)`` for each of my items on the peer's blacklist."""
        setup, psi, response = self._exchange("blacklist", items, reveal=True)
        found: list[tuple[int, str]] = []
        for name, blob in sorted(setup.setups.items()):
            found += [(i, name) for i in psi.matches(blob, response)]
        return sorted(found)

    def count(self, items: Sequence[str]) -> int:
        """How many of my items the peer saw applying recently (cardinality only)."""
        setup = self.setup("applicants")
        if not setup.setups:
            # Nothing published: the peer saw no applicant; no request is needed.
            return 0
        setup, psi, response = self._exchange("applicants", items, reveal=False)
        return sum(psi.count(blob, response) for blob in setup.setups.values())


def _error(peer: str, resp: httpx.Response) -> RisklineError:
    try:
        message = str(resp.json().get("message", resp.text))
    except ValueError:
        message = resp.text
    text = f"member {peer}: {message}"
    if resp.status_code == 429:
        from riskline.consortium.limits import RateLimited

        return RateLimited(text, retry_after=float(resp.headers.get("retry-after", "1")))
    return _ERRORS.get(resp.status_code, Unavailable)(text)
