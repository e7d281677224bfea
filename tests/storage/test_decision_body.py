"""The compact decision body: the same decision back, the same API view, old bodies still read."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from decimal import Decimal
from typing import Any

import orjson
import pytest
from sqlalchemy import text

from riskline.decisioning import Action, ActionKind, Decision, Outcome, Reason, decision_id_for
from riskline.events import Product
from riskline.storage import connect, scratch_url
from riskline.storage.rows import decision_row
from riskline.storage.serde import (
    body_dict,
    decision_body,
    decision_fields,
    decision_from_row,
    decision_to_dict,
    pack_names,
    unpack_names,
)
from riskline.storage.vocabulary import FEATURE_NAMES
from tests.factories import T0


def _decision(features: dict[str, float], shadow: tuple[str, ...] = ()) -> Decision:
    return Decision(
        decision_id=decision_id_for("e1"),
        event_id="e1",
        event_type="payment",
        subject="a1",
        outcome=Outcome.REVIEW,
        reasons=(Reason("DEVICE_SHARED", "text", {"device.accounts_30d": 5.0, "k": "v"}),),
        actions=(
            Action(ActionKind.FREEZE, Product.CASH_LOAN, "a1", days=30),
            Action(ActionKind.CUT_LIMIT, Product.REVOLVING, "a1", limit=Decimal("2500.50")),
        ),
        scores={"credit_score": 600.0, "score.fraud": math.nan},
        features=features,
        versions={"policy": "p1", "bands": "b1"},
        occurred_at=T0,
        decided_at=T0 + timedelta(seconds=1),
        latency_us=42,
        shadow=shadow,
    )


FEATURES = {
    "account.age_days": 0.004247685185185185,
    "account.devices_1d": 1.0,
    "account.hours_since_login": math.nan,
    "not.in.the.vocabulary": 3.0,
    "graph.fund_cycle": 0.0,
    "line.amount_to_available": math.inf,
    "event.hour": 23.0,
}


def _old_body(d: Decision) -> str:
    """The body as stored before the compact format (features by name)."""
    body = {
        "reasons": [
            {"code": r.code, "text": r.text, "evidence": dict(r.evidence)} for r in d.reasons
        ],
        "actions": [
            {
                "kind": "freeze",
                "applied": True,
                "product": "cash_loan",
                "owner_id": "a1",
                "days": 30,
            },
            {
                "kind": "cut_limit",
                "applied": True,
                "product": "revolving",
                "owner_id": "a1",
                "limit": "2500.50",
            },
        ],
        "scores": dict(d.scores),
        "features": dict(d.features),
        "versions": dict(d.versions),
        "shadow": list(d.shadow),
    }
    return orjson.dumps(body, default=str).decode()


def _same(a: Decision, b: Decision) -> None:
    assert (a.decision_id, a.event_id, a.outcome, a.reasons, a.actions) == (
        b.decision_id,
        b.event_id,
        b.outcome,
        b.reasons,
        b.actions,
    )
    for x, y in ((a.features, b.features), (a.scores, b.scores)):
        assert list(x) == list(y)  # the same names in the same order
        for k in x:
            vx, vy = x[k], y[k]
            # NaN and infinities are stored as null (read back as NaN), as before
            assert (vx == vy) or (not math.isfinite(vx) and math.isnan(vy)), k
    assert dict(a.versions) == dict(b.versions)
    assert a.shadow == b.shadow


@pytest.mark.parametrize("shadow", [(), ("r9",)])
def test_a_stored_decision_reads_back_the_same(shadow: tuple[str, ...]) -> None:
    d = _decision(FEATURES, shadow)
    row = decision_row(d)
    assert "features" not in orjson.loads(row["body"])
    _same(d, decision_from_row(row))


def test_a_body_in_the_old_format_is_still_read() -> None:
    d = _decision(FEATURES)
    new = decision_from_row({**decision_row(d), "body": decision_body(d)})
    old = decision_from_row({**decision_row(d), "body": _old_body(d)})
    _same(new, old)
    assert body_dict(_old_body(d)) == json.loads(_old_body(d))


def test_the_api_view_is_unchanged() -> None:
    """decision_to_dict gives what it gave when it parsed the old body, and a stored body
    expands (body_dict) to exactly that JSON."""
    d = _decision(FEATURES, ("r9",))
    view = decision_to_dict(d)
    old: dict[str, Any] = json.loads(_old_body(d))
    assert {k: view[k] for k in old} == old
    assert list(view) == [
        "decision_id",
        "event_id",
        "event_type",
        "subject",
        "outcome",
        "occurred_at",
        "decided_at",
        "latency_us",
        *old,
    ]
    assert body_dict(decision_body(d)) == old
    assert json.dumps(body_dict(decision_body(d))) == json.dumps(old)  # same key order too


def test_a_typical_body_is_a_quarter_of_the_old_size() -> None:
    features = {name: float(i % 7) + 0.25 for i, name in enumerate(FEATURE_NAMES[:70])}
    d = _decision(features)
    assert len(decision_body(d)) * 3 < len(_old_body(d))


def test_names_pack_into_runs_and_back_in_order() -> None:
    names = (*FEATURE_NAMES[10:40], "x.custom", FEATURE_NAMES[3], *FEATURE_NAMES[50:52])
    packed = pack_names(names)
    assert packed == [[10, 30], "x.custom", 3, [50, 2]]
    assert unpack_names(packed) == names
    assert unpack_names(pack_names(())) == ()


@pytest.mark.parametrize(
    ("url", "journal", "synchronous"),
    [("sqlite:///{path}", "wal", 2), (scratch_url("{path}"), "memory", 0)],
)
def test_only_a_scratch_database_gives_up_fsync(
    tmp_path: Any, url: str, journal: str, synchronous: int
) -> None:
    engine = connect(url.format(path=tmp_path / "x.db"))
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == journal
        assert conn.execute(text("PRAGMA synchronous")).scalar_one() == synchronous
    engine.dispose()
    assert (tmp_path / "x.db").exists()


def test_every_signal_the_default_engine_stores_has_a_number() -> None:
    """A name missing from the vocabulary is stored verbatim in every decision that carries it
    (the 27 entity-risk names once cost ~600 bytes a payment)."""
    from riskline.decisioning.engine import signal_schema
    from riskline.features import default_catalog
    from riskline.features.entity_risk_online import risk_schema
    from riskline.graph import SCHEMA

    catalog = {k: str(v) for k, v in default_catalog().schema().items()}
    names = signal_schema({**catalog, **risk_schema()}, SCHEMA)
    assert [n for n in names if n not in FEATURE_NAMES] == []
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)


def test_the_one_pass_view_writes_the_same_json_as_the_api_view() -> None:
    """The events fast path serialises :func:`decision_fields` in one pass: NaN, decimals and
    evidence come out as the API's view has them."""
    d = _decision({"f.a": 1.5, "f.nan": math.nan, "f.int": 3.0})
    one_pass = orjson.loads(orjson.dumps(decision_fields(d), default=str))
    assert one_pass == decision_to_dict(d)
    assert one_pass["features"]["f.nan"] is None
    assert isinstance(one_pass["actions"][1]["limit"], str)
