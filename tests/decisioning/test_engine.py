"""The engine on a real SQLite store: decisions, line effects, idempotency, atomicity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import orjson
import pytest

from riskline.clock import FixedClock
from riskline.credit import BandTable, FixedScore, LineStatus
from riskline.decisioning import Batch, Engine, Outcome, Policy
from riskline.errors import IdempotencyConflict, InvalidEvent, InvalidPolicy, Unavailable
from riskline.events import Event, PiiHasher, parse_event
from riskline.storage import SqlStore, connect, upgrade
from tests.conftest import ScriptedFeatures
from tests.factories import T0, wire

POLICY = {
    "version": "test-1",
    "checks": [
        {
            "id": "device_farm",
            "events": ["account_opened", "payment"],
            "when": {"all": [{"feature": "device.accounts_30d", "op": ">=", "value": 4}]},
            "outcome": "review",
            "reason": {"code": "DEVICE_SHARED", "text": "This device is linked to many accounts."},
            "actions": [
                {"kind": "freeze", "product": "revolving", "days": 30},
                {"kind": "open_review"},
            ],
        },
        {
            "id": "multi_device",
            "when": {"all": [{"feature": "account.devices_1d", "op": ">=", "value": 3}]},
            "outcome": "challenge",
            "reason": {
                "code": "NEW_DEVICES",
                "text": "Your account was used from several new devices.",
            },
            "actions": [{"kind": "cut_limit", "product": "revolving", "factor": 0.5}],
        },
    ],
}


class FailingStore(SqlStore):
    """Fails the next commit, like a database that went away mid-batch."""

    fail_next = False

    def commit(self, batch: Batch) -> None:
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk unplugged")
        super().commit(batch)


@pytest.fixture
def features() -> ScriptedFeatures:
    return ScriptedFeatures()


@pytest.fixture
def store(sqlite_url: str) -> Iterator[FailingStore]:
    db = connect(sqlite_url)
    upgrade(db)
    yield FailingStore(db)
    db.dispose()


@pytest.fixture
def engine(store: FailingStore, features: ScriptedFeatures, clock: FixedClock) -> Engine:
    return Engine(
        store=store,
        features=features,
        policy=Policy.from_mapping(POLICY),
        bands=BandTable.default(),
        scorer=FixedScore(),
        clock=clock,
    )


def ev(hasher: PiiHasher, kind: str, **kw: Any) -> Event:
    return parse_event(wire(kind, **kw), hasher)


def test_new_account_gets_a_revolving_line_from_the_band_table(
    engine: Engine, hasher: PiiHasher
) -> None:
    d = engine.process(ev(hasher, "account_opened"))
    assert d.outcome is Outcome.APPROVE
    (line,) = engine.store.lines_for(["a1"])  # type: ignore[attr-defined]
    assert (line.product.value, line.limit, line.status) == (
        "revolving",
        Decimal(5000),
        LineStatus.ACTIVE,
    )
    assert d.actions[0].kind.value == "open_line"
    assert d.versions["policy"] == "test-1"


def test_payment_draws_and_over_limit_is_declined(engine: Engine, hasher: PiiHasher) -> None:
    engine.process(ev(hasher, "account_opened"))
    ok = engine.process(ev(hasher, "payment", amount="4000.00"))
    assert ok.outcome is Outcome.APPROVE
    too_much = engine.process(ev(hasher, "payment", amount="1500.00"))
    assert too_much.outcome is Outcome.DECLINE
    assert too_much.reason_codes == ("INSUFFICIENT_LIMIT",)
    assert too_much.reasons[0].evidence["line.available"] == 1000.0
    repay = engine.process(ev(hasher, "repayment", amount="4000.00"))
    assert repay.outcome is Outcome.APPROVE
    (line,) = engine.store.lines_for(["a1"])  # type: ignore[attr-defined]
    assert line.outstanding == 0


def test_policy_freeze_then_payment_declined(
    engine: Engine, features: ScriptedFeatures, hasher: PiiHasher
) -> None:
    engine.process(ev(hasher, "account_opened"))
    pay = ev(hasher, "payment", amount="10.00")
    features.values[pay.event_id] = {"device.accounts_30d": 5.0}
    d = engine.process(pay)
    assert d.outcome is Outcome.REVIEW and d.reason_codes == ("DEVICE_SHARED",)
    assert d.reasons[0].evidence == {"device.accounts_30d": 5.0}
    assert [(a.kind.value, a.applied) for a in d.actions] == [
        ("freeze", True),
        ("open_review", True),
    ]
    assert d.features["device.accounts_30d"] == 5.0
    (line,) = engine.store.lines_for(["a1"])  # type: ignore[attr-defined]
    assert line.status is LineStatus.FROZEN
    history = engine.store.line_history(line.line_id)  # type: ignore[attr-defined]
    assert history[-1].reasons == ("DEVICE_SHARED",) and history[-1].decision_id == d.decision_id
    later = engine.process(ev(hasher, "payment", amount="10.00"))
    assert later.outcome is Outcome.DECLINE and later.reason_codes == ("LINE_NOT_USABLE",)


def test_freeze_expires_on_next_event(
    engine: Engine, features: ScriptedFeatures, hasher: PiiHasher
) -> None:
    engine.process(ev(hasher, "account_opened", at=T0))
    pay = ev(hasher, "payment", amount="10.00", at=T0 + timedelta(hours=1))
    features.values[pay.event_id] = {"device.accounts_30d": 9.0}
    engine.process(pay)
    d = engine.process(ev(hasher, "payment", amount="10.00", at=T0 + timedelta(days=31)))
    assert d.outcome is Outcome.APPROVE
    (line,) = engine.store.lines_for(["a1"])  # type: ignore[attr-defined]
    actions = [c.action for c in engine.store.line_history(line.line_id)]  # type: ignore[attr-defined]
    assert actions == ["freeze", "reinstate"]


def test_cut_limit_on_challenge(
    engine: Engine, features: ScriptedFeatures, hasher: PiiHasher
) -> None:
    engine.process(ev(hasher, "account_opened"))
    login = ev(hasher, "login")
    features.values[login.event_id] = {"account.devices_1d": 3.0}
    d = engine.process(login)
    assert d.outcome is Outcome.CHALLENGE
    assert d.actions[0].limit == Decimal(2500)
    again = ev(hasher, "login")
    features.values[again.event_id] = {"account.devices_1d": 4.0}
    second = engine.process(again)
    assert not second.actions[0].applied  # already cut: no compounding
    (line,) = engine.store.lines_for(["a1"])  # type: ignore[attr-defined]
    assert (line.status, line.limit) == (LineStatus.LIMITED, Decimal(2500))


def test_replay_returns_stored_decision_and_changes_nothing(
    engine: Engine, features: ScriptedFeatures, hasher: PiiHasher
) -> None:
    engine.process(ev(hasher, "account_opened"))
    pay = ev(hasher, "payment", amount="100.00")
    first = engine.process(pay)
    seen = len(features.seen)
    result = engine.process_batch([pay])
    assert result.replayed == (True,)
    assert result.decisions[0] == first
    assert len(features.seen) == seen  # features did not count it twice
    (line,) = engine.store.lines_for(["a1"])  # type: ignore[attr-defined]
    assert line.outstanding == Decimal(100)
    assert engine.store.count_events() == 2  # type: ignore[attr-defined]


def test_duplicate_inside_one_batch_is_decided_once(engine: Engine, hasher: PiiHasher) -> None:
    opened = ev(hasher, "account_opened")
    pay = ev(hasher, "payment", amount="100.00")
    result = engine.process_batch([opened, pay, pay])
    assert result.decisions[1] == result.decisions[2]
    (line,) = engine.store.lines_for(["a1"])  # type: ignore[attr-defined]
    assert line.outstanding == Decimal(100)


def test_conflicting_replay_is_rejected_and_the_batch_changes_nothing(
    engine: Engine, hasher: PiiHasher
) -> None:
    engine.process(ev(hasher, "account_opened"))
    pay = ev(hasher, "payment", event_id="p-1", amount="100.00")
    engine.process(pay)
    other = ev(hasher, "payment", event_id="p-2", amount="1.00")
    changed = ev(hasher, "payment", event_id="p-1", amount="999.00", at=pay.occurred_at)
    with pytest.raises(IdempotencyConflict, match="p-1"):
        engine.process_batch([other, changed])
    assert engine.store.find_events(["p-2"]) == {}  # type: ignore[attr-defined]


def test_future_events_are_refused(engine: Engine, hasher: PiiHasher, clock: FixedClock) -> None:
    future = ev(hasher, "payment", at=clock.now() + timedelta(minutes=6))
    with pytest.raises(InvalidEvent, match="future"):
        engine.process(future)
    slightly = ev(hasher, "payment", at=clock.now() + timedelta(minutes=4))
    assert engine.process(slightly).outcome is Outcome.DECLINE  # no line: decided, not refused


def test_failed_commit_applies_nothing_and_state_is_rebuilt(
    engine: Engine, store: FailingStore, features: ScriptedFeatures, hasher: PiiHasher
) -> None:
    engine.process(ev(hasher, "account_opened"))
    store.fail_next = True
    with pytest.raises(Unavailable, match="nothing was applied"):
        engine.process(ev(hasher, "payment", amount="100.00"))
    assert engine.needs_rebuild
    with pytest.raises(Unavailable, match="rebuilt"):
        engine.process(ev(hasher, "payment", amount="100.00"))
    assert engine.rebuild() == 1
    assert len(features.seen) == 1 and features.seen[0].startswith("ev-account_opened")
    (line,) = store.lines_for(["a1"])
    assert line.outstanding == 0
    assert engine.process(ev(hasher, "payment", amount="100.00")).outcome is Outcome.APPROVE


def test_policy_with_unknown_feature_is_refused(store: FailingStore, clock: FixedClock) -> None:
    bad = {
        **POLICY,
        "checks": [
            {
                **POLICY["checks"][0],
                "when": {
                    "all": [  # type: ignore[dict-item]
                        {"feature": "device.acounts_30d", "op": ">=", "value": 4}
                    ]
                },
            }
        ],
    }
    with pytest.raises(InvalidPolicy, match=r"device\.acounts_30d"):
        Engine(
            store=store,
            features=ScriptedFeatures(),
            policy=Policy.from_mapping(bad),
            bands=BandTable.default(),
            scorer=FixedScore(),
            clock=clock,
        )


@pytest.mark.parametrize(
    ("mutation", "fragment"),
    [
        ({"outcome": "maybe"}, "outcome"),
        ({"when": {}}, "at least one comparison"),
        ({"events": ["payday"]}, "unknown event types"),
        ({"actions": [{"kind": "freeze", "product": "revolving"}]}, "needs days"),
        ({"actions": [{"kind": "cut_limit", "product": "revolving", "factor": 1.5}]}, "factor"),
        ({"reason": {"code": "lower", "text": "x"}}, "code"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_policies(mutation: dict[str, Any], fragment: str) -> None:
    check = {**POLICY["checks"][0], **mutation}  # type: ignore[dict-item]
    with pytest.raises(InvalidPolicy, match=fragment):
        Policy.from_mapping({"version": "x", "checks": [check]})


def test_default_policy_loads() -> None:
    policy = Policy.default()
    assert policy.version and policy.checks


def test_an_opening_stored_before_phone_blocks_existed_replays_as_the_same_event(
    engine: Engine, hasher: PiiHasher
) -> None:
    import dataclasses

    from riskline.events import AccountOpened, canonical_json, decode_event

    fresh = ev(hasher, "account_opened", event_id="o-1")
    assert isinstance(fresh, AccountOpened) and fresh.phone_block_hash is not None
    old = dataclasses.replace(fresh, phone_block_hash=None)  # as read before the field existed
    first = engine.process(old)
    assert engine.process(fresh) == first  # a replay, not a conflict
    # the ledger keeps the derived block (state rebuilt from it links it), the fingerprint not
    again = decode_event(orjson.loads(canonical_json(fresh)))
    assert isinstance(again, AccountOpened) and again.phone_block_hash == fresh.phone_block_hash
    changed = ev(hasher, "account_opened", event_id="o-1", phone="+86 139 0000 0000")
    with pytest.raises(IdempotencyConflict, match="o-1"):
        engine.process(changed)
