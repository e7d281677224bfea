"""Admission: every worker must refuse and accept the same messages, from the stream alone."""

from __future__ import annotations

from datetime import timedelta

import orjson

from riskline.events import encode_event, parse_event
from riskline.stream import Admission, Refused, slot_of
from tests.conftest import SECRET
from tests.factories import T0


def _body(**over: object) -> bytes:
    from riskline.events import PiiHasher
    from tests.factories import wire

    return orjson.dumps(
        encode_event(parse_event(wire("payment", **over), PiiHasher(SECRET.encode())))
    )


def test_duplicates_and_conflicts_are_decided_by_content() -> None:
    a = Admission()
    first = _body(event_id="e1", amount="10.00", at=T0)
    same = _body(event_id="e1", amount="10.00", at=T0)
    other = _body(event_id="e1", amount="11.00", at=T0)
    verdicts = a.check([first, same, other], [T0 + timedelta(days=1)] * 3)
    assert verdicts[0] is not None and not isinstance(verdicts[0], Refused)
    assert verdicts[1] is None
    assert isinstance(verdicts[2], Refused) and verdicts[2].error.startswith("conflict")


def test_staged_verdicts_are_forgotten_unless_committed() -> None:
    a = Admission()
    body = _body(event_id="e1", at=T0)
    at = [T0 + timedelta(days=1)]
    assert not isinstance(a.check([body], at)[0], Refused | None)
    # The batch failed and is retried: the event is not a duplicate of itself.
    assert not isinstance(a.check([body], at)[0], Refused | None)
    a.commit()
    assert a.check([body], at)[0] is None


def test_future_is_judged_by_the_stream_timestamp_not_the_wall_clock() -> None:
    a = Admission(max_future_skew=timedelta(minutes=5))
    body = _body(event_id="e1", at=T0)
    refused = a.check([body], [T0 - timedelta(minutes=6)])[0]
    assert isinstance(refused, Refused) and "future" in refused.error
    assert not isinstance(a.check([body], [T0 - timedelta(minutes=4)])[0], Refused | None)


def test_poison_bodies_are_refused_with_their_error() -> None:
    a = Admission()
    at = [T0]
    bodies = [
        b"\xff\xfe not json",
        b'{"type": "no_such_event", "event_id": "x"}',
        b'{"type": "payment", "event_id": "x"}',
        b'{"type":"payment","event_id":"x","occurred_at":"2026-01-01T00:00:00",'
        b'"account_id":"a","merchant_id":"m","amount":"1"}',
        b"[1, 2]",
    ]
    verdicts = a.check(bodies, at * len(bodies))
    assert all(isinstance(v, Refused) for v in verdicts), verdicts
    errors = [v.error for v in verdicts if isinstance(v, Refused)]
    assert errors[0].startswith("undecodable")
    assert "no_such_event" in errors[1]
    assert "time zone" in errors[3]


def test_an_owner_always_maps_to_one_slot() -> None:
    from riskline.events import PiiHasher
    from tests.factories import wire

    h = PiiHasher(SECRET.encode())
    pay = parse_event(wire("payment", event_id="p", account_id="acct-7"), h)
    bill = parse_event(wire("bill_overdue", event_id="b", account_id="acct-7"), h)
    assert {slot_of(pay, 5), slot_of(bill, 5)} == {slot_of(pay, 5)}
    slots = {
        slot_of(parse_event(wire("payment", event_id=f"e{i}", account_id=f"a{i}"), h), 2)
        for i in range(50)
    }
    assert slots == {0, 1}
