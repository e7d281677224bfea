"""Webhooks in the embedded server: effects written in the decision's own transaction.

decision.created and line.frozen rows are written by the store in the batch transaction (no
decision without its rows, none twice on replay); case.opened by the case projection in the
transaction that opens the case; the relay delivers them signed.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest
from sqlalchemy import insert, select

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.events import parse_event
from riskline.runtime import Runtime, build_runtime
from riskline.stream import Relay, WebhookSender, outbox_table, verify, webhook_endpoints
from riskline.stream.webhooks import SIGNATURE, TIMESTAMP
from tests.cases.helpers import farm, settle
from tests.conftest import SECRET
from tests.factories import T0


@pytest.fixture
def rt(sqlite_url: str, clock: FixedClock) -> Iterator[Runtime]:
    runtime = build_runtime(Settings(database_url=sqlite_url, pii_secret=SECRET), clock=clock)
    yield runtime
    runtime.close()


def test_engine_and_case_effects_reach_signed_webhooks_exactly_once(rt: Runtime) -> None:
    with rt.db.begin() as conn:
        conn.execute(
            insert(webhook_endpoints),
            {"endpoint_id": "ops", "url": "https://hooks.example/ops", "secret": "s3cret-9876",
             "topics": "decision.created,line.frozen,case.opened", "active": True,
             "created_at": T0},
        )  # fmt: skip
    events = [parse_event(w, rt.hasher) for w in farm()]
    result = rt.ingestor.process(events)
    settle(rt)
    rt.ingestor.process(events)  # a replay: no new effects
    settle(rt)
    with rt.db.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(outbox_table)).mappings()]
    topics = sorted(r["topic"] for r in rows)
    assert topics.count("decision.created") == len(result.decisions) == len(events)
    frozen = sum(
        1 for d in result.decisions for a in d.actions if a.kind.value == "freeze" and a.applied
    )
    assert topics.count("line.frozen") == frozen
    assert topics.count("case.opened") == len(rt.cases.queue()) == 1

    received: list[httpx.Request] = []
    client = httpx.Client(
        transport=httpx.MockTransport(lambda r: received.append(r) or httpx.Response(204))
    )
    relay = Relay(rt.db, rt.engine.clock, None, lambda _: "", WebhookSender(client, lambda: 0.0))
    assert relay.run_once() == len(rows)
    assert relay.run_once() == 0
    assert len(received) == len(rows)
    for req in received:
        assert verify("s3cret-9876", req.content, req.headers[TIMESTAMP], req.headers[SIGNATURE], 0)
    opened = [orjson.loads(r.content) for r in received]
    assert any(b["topic"] == "case.opened" and b["data"]["case_id"] for b in opened)
