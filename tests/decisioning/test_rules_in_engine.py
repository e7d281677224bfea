"""Analyst rule sets in the engine: active and shadow hits, lists, hot reload."""

from __future__ import annotations

import os
import time
from pathlib import Path

from riskline.decisioning import Engine, Outcome
from riskline.events import PiiHasher, parse_event
from riskline.rules import ListEntry, MemoryListStore
from tests.conftest import ScriptedFeatures
from tests.decisioning.conftest import EngineFactory
from tests.factories import T0, wire

RULES = """
version: "r1"
rules:
  - id: blocked_device
    description: Device on the block list.
    when: in_list("block", "device", event.device_id)
    outcome: decline
    reason_code: BLOCKED_DEVICE
    text_key: notice.blocked
    owner: fraud-ops
  - id: many_payments
    description: Many payments today.
    when: account.payments_1d >= 3
    outcome: review
    reason_code: MANY_PAYMENTS
    text_key: notice.many_payments
    owner: fraud-ops
    mode: shadow
"""
POLICY = {
    "version": "p",
    "checks": [
        {
            "id": "never",
            "when": "event.amount > 1e9",
            "outcome": "review",
            "reason": {"code": "NEVER", "text": "x"},
        }
    ],
}


def _engine(
    tmp_path: Path,
    sql_engine: EngineFactory,
    lists: MemoryListStore,
    features: ScriptedFeatures,
) -> Engine:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    return sql_engine(
        POLICY,
        features,
        rules=rules,
        lists=lists,
        texts={"notice.blocked": "This device cannot be used for credit."},
    )


def test_active_shadow_and_lists(tmp_path: Path, sql_engine: EngineFactory) -> None:
    lists, features = MemoryListStore(), ScriptedFeatures()
    engine = _engine(tmp_path, sql_engine, lists, features)
    pay = parse_event(wire("payment", device_id="d9", amount="5.00"), _hasher())
    features.values[pay.event_id] = {"account.payments_1d": 4.0}
    d = engine.process(pay)
    assert d.shadow == ("many_payments",) and d.reason_codes == (
        "NO_CREDIT_LINE",
    )  # shadow never decides
    assert d.versions["rules"] == "r1"
    lists.add(ListEntry("block", "device", "d9", "case:1", T0))
    blocked = engine.process(parse_event(wire("login", device_id="d9"), _hasher()))
    assert blocked.outcome is Outcome.DECLINE and blocked.reason_codes == ("BLOCKED_DEVICE",)
    assert blocked.reasons[0].text == "This device cannot be used for credit."
    assert blocked.reasons[0].evidence == {"event.device_id": "d9"}


def test_hot_reload_keeps_the_good_set(tmp_path: Path, sql_engine: EngineFactory) -> None:
    engine = _engine(tmp_path, sql_engine, MemoryListStore(), ScriptedFeatures())
    path = tmp_path / "rules.yaml"
    path.write_text(
        RULES.replace('"r1"', '"r2"').replace("account.payments_1d", "account.no_such_feature")
    )
    _touch(path)
    engine.process(parse_event(wire("login"), _hasher()))
    assert engine.versions["rules"] == "r1"
    assert engine.rules is not None and "no_such_feature" in str(
        getattr(engine.rules, "last_error", "")
    )
    path.write_text(RULES.replace('"r1"', '"r3"'))
    _touch(path)
    engine.process(parse_event(wire("login"), _hasher()))
    assert engine.versions["rules"] == "r3"


def _touch(path: Path) -> None:
    later = time.time() + 5
    os.utime(path, (later, later))


def _hasher() -> PiiHasher:
    return PiiHasher(b"test-secret-0123456789")
