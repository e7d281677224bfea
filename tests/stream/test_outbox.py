"""Outbox and webhooks on SQLite and PostgreSQL: idempotent rows, signed deliveries, retries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Engine, func, insert, select

from riskline.clock import FixedClock
from riskline.decisioning import Action, ActionKind, Decision, Outcome, Reason
from riskline.events.types import Product
from riskline.stream import (
    STREAM,
    Outbox,
    Relay,
    Topic,
    WebhookSender,
    outbox_table,
    verify,
    webhook_endpoints,
)
from riskline.stream.webhooks import DELIVERY, SIGNATURE, TIMESTAMP
from tests.factories import T0


def _decision(n: int, freeze: bool = False) -> Decision:
    actions = (Action(ActionKind.FREEZE, Product.REVOLVING, f"a{n}", days=30),) if freeze else ()
    return Decision(
        f"d{n}", f"e{n}", "payment", f"a{n}", Outcome.REVIEW if freeze else Outcome.APPROVE,
        (Reason("CASHOUT_PATTERN", "x"),) if freeze else (), actions, {}, {"f": 1.5}, {}, T0,
        T0, 10,
    )  # fmt: skip


def _endpoint(db: Engine, eid: str, topics: str, secret: str = "s3cret-value") -> None:
    with db.begin() as conn:
        conn.execute(
            insert(webhook_endpoints),
            {"endpoint_id": eid, "url": f"https://hooks.example/{eid}", "secret": secret,
             "topics": topics, "active": True, "created_at": T0},
        )  # fmt: skip


def _rows(db: Engine) -> list[Mapping[str, Any]]:
    with db.connect() as conn:
        q = select(outbox_table).order_by(outbox_table.c.id)
        return [dict(r) for r in conn.execute(q).mappings()]


def test_effects_are_recorded_once_per_destination_topic_and_key(db: Engine) -> None:
    _endpoint(db, "frz", "line.frozen")
    _endpoint(db, "all", "decision.created,line.frozen")
    outbox = Outbox(db, FixedClock(T0))
    decisions = [_decision(1), _decision(2, freeze=True)]
    outbox.record(decisions)
    outbox.record(decisions)  # a redelivered batch records again: nothing new
    rows = _rows(db)
    got = sorted((r["destination"], r["topic"], r["key"]) for r in rows)
    assert got == sorted(
        [
            (STREAM, "decision.created", "d1"),
            (STREAM, "decision.created", "d2"),
            ("webhook:all", "decision.created", "d1"),
            ("webhook:all", "decision.created", "d2"),
            ("webhook:all", "line.frozen", "d2:a2:revolving"),
            ("webhook:frz", "line.frozen", "d2:a2:revolving"),
        ]
    )
    frozen = next(r for r in rows if r["topic"] == "line.frozen")
    body = orjson.loads(frozen["payload"])
    assert body["data"]["owner_id"] == "a2" and body["data"]["days"] == 30


def test_pluggable_topic_and_direct_emit(db: Engine) -> None:
    _endpoint(db, "cases", "case.opened")
    reviews = Topic("case.opened", lambda d: [(d.decision_id, {"subject": d.subject})]
                    if d.outcome is Outcome.REVIEW else [])  # fmt: skip
    outbox = Outbox(db, FixedClock(T0), topics=[reviews])
    outbox.record([_decision(1), _decision(2, freeze=True)])
    with db.begin() as conn:
        outbox.emit(conn, "case.opened", "case-9", {"case_id": "case-9"})
    keys = [(r["destination"], r["key"]) for r in _rows(db)]
    assert keys == [("webhook:cases", "d2"), ("webhook:cases", "case-9")]


class _Receiver:
    """An httpx transport standing in for the receiver: records requests, answers a script."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status = self.statuses.pop(0) if self.statuses else 200
        return httpx.Response(status)


def _relay(db: Engine, clock: FixedClock, receiver: _Receiver, published: list[Any]) -> Relay:
    client = httpx.Client(transport=httpx.MockTransport(receiver))
    sender = WebhookSender(client, lambda: clock.now().timestamp())
    return Relay(db, clock, published.extend, lambda r: "x.decisions.approve", sender,
                 max_attempts=3, base_delay=2.0)  # fmt: skip


def test_relay_publishes_to_the_stream_and_signs_webhooks(db: Engine) -> None:
    _endpoint(db, "all", "decision.created", secret="topsecret-1234")
    clock = FixedClock(T0)
    Outbox(db, clock).record([_decision(1)])
    receiver, published = _Receiver([200]), []
    assert _relay(db, clock, receiver, published).run_once() == 2
    assert [(s, h) for s, _, h in published] == [
        ("x.decisions.approve", {"Nats-Msg-Id": "decision.created:d1"})
    ]
    (req,) = receiver.requests
    now = clock.now().timestamp()
    assert verify(
        "topsecret-1234", req.content, req.headers[TIMESTAMP], req.headers[SIGNATURE], now
    )
    assert not verify("other-secret-99", req.content, req.headers[TIMESTAMP],
                      req.headers[SIGNATURE], now)  # fmt: skip
    assert req.headers[DELIVERY] == "webhook:all:decision.created:d1"
    assert orjson.loads(req.content)["data"]["decision_id"] == "d1"
    assert {r["status"] for r in _rows(db)} == {"sent"}
    assert _relay(db, clock, receiver, published).run_once() == 0  # nothing sent twice


def test_failed_webhooks_back_off_then_go_dead(db: Engine) -> None:
    _endpoint(db, "flaky", "decision.created")
    clock = FixedClock(T0)
    Outbox(db, clock, stream_topics=frozenset()).record([_decision(1)])
    receiver = _Receiver([500, 503, 500, 200])
    relay = _relay(db, clock, receiver, [])
    assert relay.run_once() == 1
    (row,) = _rows(db)
    assert (row["status"], row["attempts"], row["last_error"]) == ("pending", 1, "HTTP 500")
    assert row["next_attempt_at"] == T0 + timedelta(seconds=2)
    clock.advance(timedelta(seconds=1))
    assert relay.run_once() == 0  # not due yet
    clock.advance(timedelta(seconds=1))
    assert relay.run_once() == 1
    assert _rows(db)[0]["next_attempt_at"] == clock.now() + timedelta(seconds=4)
    clock.advance(timedelta(seconds=4))
    assert relay.run_once() == 1
    (row,) = _rows(db)
    assert (row["status"], row["attempts"]) == ("dead", 3)
    clock.advance(timedelta(days=1))
    assert relay.run_once() == 0
    assert len(receiver.requests) == 3


def test_stream_publish_failure_keeps_rows_pending(db: Engine) -> None:
    clock = FixedClock(T0)
    Outbox(db, clock).record([_decision(1), _decision(2)])

    def down(items: Any) -> None:
        raise ConnectionError("nats away")

    relay = Relay(db, clock, down, lambda r: "s", None)
    assert relay.run_once() == 2
    rows = _rows(db)
    assert {r["status"] for r in rows} == {"pending"}
    assert all("nats away" in r["last_error"] for r in rows)
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(outbox_table)).scalar_one() == 2


@pytest.mark.parametrize(("ts", "ok"), [("1700000000", True), ("1699999000", False), ("x", False)])
def test_verify_refuses_stale_or_malformed_timestamps(ts: str, ok: bool) -> None:
    from riskline.stream import sign

    body = b'{"topic":"line.frozen"}'
    sig = sign("k" * 16, int(ts) if ts.isdigit() else 0, body)
    assert verify("k" * 16, body, ts, sig, now=1_700_000_030) is ok
