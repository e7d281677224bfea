"""Issue 22, defects 1 and 3: the node checks who is talking before it reads a body, reads a
bounded body, and refuses timestamps that are not finite numbers.

The body tests drive the ASGI app directly with a ``receive`` that hands out a large body in
chunks on demand and counts what the app pulled: an in-process HTTP client would buffer the
whole body before the app saw it, hiding how much the node reads.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from riskline.consortium.auth import H_MEMBER, H_NONCE, H_SIGNATURE, H_TIMESTAMP, Signer, Verifier
from riskline.errors import Unauthenticated
from tests.consortium.conftest import PAIR_SECRET, Harness

CHUNK = 64 * 1024
HUGE = 256 * 1024 * 1024  # what the hostile test sent


class _Body:
    """An ASGI ``receive`` serving ``total`` bytes in chunks, counting the chunks pulled."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.pulled = 0

    async def __call__(self) -> dict[str, Any]:
        sent = self.pulled * CHUNK
        if sent >= self.total:
            await asyncio.sleep(3600)  # the app waits for a disconnect it will not get
        self.pulled += 1
        return {
            "type": "http.request",
            "body": b"\0" * CHUNK,
            "more_body": sent + CHUNK < self.total,
        }


def _post(
    h: Harness, headers: dict[str, str], body: _Body, path: str = "/v1/query/blacklist"
) -> int:
    status: list[int] = []

    async def send(msg: dict[str, Any]) -> None:
        if msg["type"] == "http.response.start":
            status.append(msg["status"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"version=1",
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    asyncio.run(asyncio.wait_for(h.http.app(scope, body, send), timeout=60))  # type: ignore[arg-type]
    return status[0]


def _signed_headers(h: Harness, member: str = "bank-a") -> dict[str, str]:
    now = h.clock.now().timestamp()
    signer = Signer(member, h.node.member, PAIR_SECRET)
    return signer.sign("POST", "/v1/query/blacklist?version=1", b"not this body", now=now)


def test_an_unknown_member_is_refused_before_any_of_its_body_is_read(harness: Harness) -> None:
    body = _Body(HUGE)
    assert _post(harness, _signed_headers(harness, member="bank-z"), body) == 401
    assert body.pulled == 0


def test_a_stale_or_unsigned_request_is_refused_before_its_body_is_read(
    harness: Harness,
) -> None:
    stale = _signed_headers(harness)
    stale[H_TIMESTAMP] = str(harness.clock.now().timestamp() - 3600)
    unsigned = {k: v for k, v in _signed_headers(harness).items() if k != H_SIGNATURE}
    for headers in (stale, unsigned):
        body = _Body(HUGE)
        assert _post(harness, headers, body) == 401
        assert body.pulled == 0


def test_a_known_members_oversized_body_is_413_after_at_most_the_cap(harness: Harness) -> None:
    body = _Body(HUGE)
    assert _post(harness, _signed_headers(harness), body) == 413
    assert body.pulled * CHUNK <= harness.node.max_body_bytes + CHUNK


def test_a_declared_oversized_body_is_413_without_reading(harness: Harness) -> None:
    headers = _signed_headers(harness) | {"content-length": str(HUGE)}
    body = _Body(HUGE)
    assert _post(harness, headers, body) == 413
    assert body.pulled == 0


@pytest.mark.parametrize("stamp", [math.nan, math.inf, -math.inf])
def test_a_non_finite_timestamp_is_refused_even_when_correctly_signed(
    harness: Harness, stamp: float
) -> None:
    now = harness.clock.now().timestamp()
    signer = Signer("bank-a", harness.node.member, PAIR_SECRET)
    headers = signer.sign("GET", "/v1/summary", b"", now=stamp)
    assert headers[H_TIMESTAMP] in {"nan", "inf", "-inf"}  # what the signer really signed
    verifier = Verifier(harness.node.member, {"bank-a": PAIR_SECRET})
    with pytest.raises(Unauthenticated, match="finite"):
        verifier.verify("GET", "/v1/summary", b"", headers, now=now)
    resp = harness.http.get("/v1/summary", headers=headers)
    assert resp.status_code == 401 and "finite" in resp.json()["message"]


def test_a_finite_timestamp_with_a_fresh_nonce_still_passes(harness: Harness) -> None:
    now = harness.clock.now().timestamp()
    headers = Signer("bank-a", harness.node.member, PAIR_SECRET).sign(
        "GET", "/v1/summary", b"", now=now
    )
    assert {H_MEMBER, H_NONCE, H_SIGNATURE, H_TIMESTAMP} <= headers.keys()
    assert harness.http.get("/v1/summary", headers=headers).status_code == 200
