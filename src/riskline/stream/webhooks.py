"""Webhooks: pluggable topics, HMAC-signed payloads, delivery with backoff.

A receiver verifies a delivery with :func:`verify` (or the same three lines in any
language): recompute ``HMAC-SHA256(secret, "<Riskline-Timestamp>." + raw body)``, compare
it in constant time with the hex after ``v1=`` in ``Riskline-Signature``, and refuse
timestamps older than five minutes (replays). ``Riskline-Delivery`` is stable across
retries of one delivery: receivers deduplicate on it.

>>> sig = sign("s3cret", 1_700_000_000, b'{"a":1}')
>>> verify("s3cret", b'{"a":1}', "1700000000", sig, now=1_700_000_100)
True
>>> verify("s3cret", b'{"a":2}', "1700000000", sig, now=1_700_000_100)
False
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from riskline.decisioning import ActionKind, Decision
from riskline.errors import Unavailable
from riskline.storage.serde import decision_to_dict

__all__ = [
    "DECISION_CREATED",
    "DEFAULT_TOPICS",
    "LINE_FROZEN",
    "DeliveryFailed",
    "Topic",
    "WebhookSender",
    "backoff",
    "sign",
    "verify",
]

SIGNATURE = "Riskline-Signature"
TIMESTAMP = "Riskline-Timestamp"
DELIVERY = "Riskline-Delivery"
TOPIC = "Riskline-Topic"


@dataclass(frozen=True, slots=True)
class Topic:
    """A webhook topic: which (key, data) items one decision produces for it.

    The key makes the effect idempotent (one outbox row per destination, topic and key).
    Other packages add topics (``case.opened`` from the review queue) by passing their own
    :class:`Topic` to the outbox, or emit rows directly with ``Outbox.emit``.
    """

    name: str
    extract: Callable[[Decision], Iterable[tuple[str, Mapping[str, Any]]]]


def _created(d: Decision) -> Iterable[tuple[str, Mapping[str, Any]]]:
    return [(d.decision_id, decision_to_dict(d))]


def _frozen(d: Decision) -> Iterable[tuple[str, Mapping[str, Any]]]:
    for a in d.actions:
        if a.kind is ActionKind.FREEZE and a.applied and a.owner_id:
            product = a.product.value if a.product else ""
            data = {
                "decision_id": d.decision_id,
                "owner_id": a.owner_id,
                "product": product,
                "days": a.days,
                "at": d.occurred_at.isoformat(),
                "reasons": [r.code for r in d.reasons],
            }
            yield f"{d.decision_id}:{a.owner_id}:{product}", data


DECISION_CREATED = Topic("decision.created", _created)
LINE_FROZEN = Topic("line.frozen", _frozen)
DEFAULT_TOPICS: tuple[Topic, ...] = (DECISION_CREATED, LINE_FROZEN)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``v1=<hex HMAC-SHA256 of "<timestamp>." + body>``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(
    secret: str, body: bytes, timestamp: str, signature: str, now: float, tolerance: float = 300
) -> bool:
    """True when ``signature`` signs ``body`` at ``timestamp``, within ``tolerance`` seconds."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(now - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)


def backoff(attempts: int, base: float = 2.0, cap: float = 3600.0) -> float:
    """Seconds before retry number ``attempts`` (1, 2, ...): doubling from ``base``, capped.

    >>> [backoff(n) for n in (1, 2, 3)], backoff(30)
    ([2.0, 4.0, 8.0], 3600.0)
    """
    return min(cap, base * 2.0 ** (attempts - 1))


class DeliveryFailed(Unavailable):
    """The receiver did not answer 2xx in time; the delivery will be retried."""


class WebhookSender:
    """POSTs signed JSON bodies (``client`` is injected: tests pass a mock transport)."""

    def __init__(self, client: httpx.Client, now: Callable[[], float]) -> None:
        self.client = client
        self.now = now

    def send(self, url: str, secret: str, topic: str, delivery: str, body: bytes) -> None:
        """Deliver once; :class:`DeliveryFailed` on a network error or a non-2xx answer."""
        ts = int(self.now())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP: str(ts),
            SIGNATURE: sign(secret, ts, body),
            DELIVERY: delivery,
            TOPIC: topic,
        }
        try:
            resp = self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as err:
            raise DeliveryFailed(f"{type(err).__name__}: {err}") from None
        if not 200 <= resp.status_code < 300:
            raise DeliveryFailed(f"HTTP {resp.status_code}")
