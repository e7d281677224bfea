"""Rule-set loading, validation, evaluation, shadow mode and evidence."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskline.errors import InvalidInput
from riskline.rules import (
    EmptyLists,
    FeatureSchema,
    ListEntry,
    MemoryListStore,
    Mode,
    Outcome,
    RuleSetError,
    load_ruleset,
    load_ruleset_text,
)

SCHEMA: FeatureSchema = {
    "device.accounts_30d": "number",
    "account.age_days": "number",
    "event.device_id": "string",
    "payment.amount": "number",
}
T0 = datetime(2026, 1, 1, tzinfo=UTC)

GOOD = """
version: "2026-11-28.1"
description: test set
rules:
  - id: shared_device
    description: many accounts on one new device
    when: device.accounts_30d >= 4 and account.age_days < 7
    outcome: review
    score: 30
    reason_code: DEVICE_SHARED
    text_key: notice.device_shared
    mode: active
    owner: fraud-team
  - id: blocked_device
    when: in_list("block", "device", event.device_id)
    outcome: decline
    reason_code: LIST_BLOCK
    text_key: notice.blocked
    owner: fraud-team
  - id: big_payment_score
    when: payment.amount > 1000
    score: 15.5
    reason_code: BIG_PAYMENT
    text_key: notice.big_payment
    owner: credit
  - id: candidate_big_payment
    when: |
      payment.amount > 500
        and account.age_days < 30
    outcome: challenge
    reason_code: BIG_PAYMENT_NEW
    text_key: notice.verify
    mode: shadow
    owner: credit
"""


def test_loads_all_fields() -> None:
    rs = load_ruleset_text(GOOD, SCHEMA)
    assert rs.version == "2026-11-28.1"
    assert rs.description == "test set"
    assert [r.id for r in rs.rules] == [
        "shared_device",
        "blocked_device",
        "big_payment_score",
        "candidate_big_payment",
    ]
    rule = rs["shared_device"]
    assert (rule.outcome, rule.score, rule.mode, rule.owner) == (
        Outcome.REVIEW,
        30.0,
        Mode.ACTIVE,
        "fraud-team",
    )
    assert rs["big_payment_score"].outcome is None
    assert rs["big_payment_score"].score == 15.5
    assert rs["candidate_big_payment"].mode is Mode.SHADOW


def test_no_hits_means_approve_with_zero_score() -> None:
    r = load_ruleset_text(GOOD, SCHEMA).evaluate({}, EmptyLists(), T0)
    assert (r.outcome, r.score, r.hits, r.shadow_hits) == (Outcome.APPROVE, 0.0, (), ())


def test_worst_active_outcome_wins_and_scores_add_up() -> None:
    lists = MemoryListStore()
    lists.add(ListEntry("block", "device", "d1", "case:9", T0))
    values = {
        "device.accounts_30d": 5,
        "account.age_days": 2,
        "event.device_id": "d1",
        "payment.amount": 1200,
    }
    r = load_ruleset_text(GOOD, SCHEMA).evaluate(values, lists, T0)
    assert r.outcome is Outcome.DECLINE
    assert r.score == 45.5
    assert r.reason_codes == ("DEVICE_SHARED", "LIST_BLOCK", "BIG_PAYMENT")
    assert r.hits[0].evidence == {"device.accounts_30d": 5, "account.age_days": 2}
    assert r.hits[0].text_key == "notice.device_shared"


def test_shadow_hits_are_reported_but_never_decide() -> None:
    values = {"payment.amount": 600, "account.age_days": 3}
    r = load_ruleset_text(GOOD, SCHEMA).evaluate(values, EmptyLists(), T0)
    assert r.outcome is Outcome.APPROVE
    assert r.hits == ()
    assert r.score == 0.0
    assert [h.rule_id for h in r.shadow_hits] == ["candidate_big_payment"]
    hit = r.shadow_hits[0]
    assert hit.outcome is Outcome.CHALLENGE
    assert hit.mode is Mode.SHADOW
    assert hit.evidence == {"payment.amount": 600, "account.age_days": 3}


def test_result_to_dict_is_json_ready() -> None:
    import json

    values = {"payment.amount": 600, "account.age_days": 3, "device.accounts_30d": 9}
    result = load_ruleset_text(GOOD, SCHEMA).evaluate(values, EmptyLists(), T0)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["outcome"] == "review"
    assert data["score"] == 30.0
    assert data["hits"][0] == {
        "rule_id": "shared_device",
        "reason_code": "DEVICE_SHARED",
        "text_key": "notice.device_shared",
        "mode": "active",
        "outcome": "review",
        "score": 30.0,
        "evidence": {"device.accounts_30d": 9, "account.age_days": 3},
    }
    assert [h["rule_id"] for h in data["shadow_hits"]] == ["candidate_big_payment"]


def test_evidence_records_missing_features_as_none() -> None:
    text = GOOD.replace("payment.amount > 1000", "coalesce(payment.amount, 2000) > 1000")
    r = load_ruleset_text(text, SCHEMA).evaluate({}, EmptyLists(), T0)
    assert r.hits[0].evidence == {"payment.amount": None}


def test_a_failing_rule_is_isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def contains(self, list_name: str, kind: str, value: str, now: datetime) -> bool:
            raise RuntimeError("list backend down")

    values = {"event.device_id": "d1", "payment.amount": 2000}
    r = load_ruleset_text(GOOD, SCHEMA).evaluate(values, Broken(), T0)
    assert [f.rule_id for f in r.failures] == ["blocked_device"]
    assert "list backend down" in r.failures[0].error
    assert r.reason_codes == ("BIG_PAYMENT",)


@pytest.mark.parametrize(
    ("mutation", "fragment"),
    [
        (("mode: active", "mode: live"), "line 12: rule 'shared_device': bad mode 'live'"),
        (("outcome: review", "outcome: nuke"), "bad outcome 'nuke'"),
        (
            (
                "owner: credit\n  - id: candidate",
                "owner: credit\n    colour: red\n  - id: candidate",
            ),
            "line 26: rule 'big_payment_score': unknown key 'colour'",
        ),
        (("id: blocked_device", "id: shared_device"), "duplicate rule id 'shared_device'"),
        (
            ("account.age_days < 30", "account.agedays < 30"),
            "line 29: rule candidate_big_payment: line 2, column 7: unknown feature",
        ),
        (
            ("score: 15.5", "score: lots"),
            "line 22: rule 'big_payment_score': score must be a finite",
        ),
        (("score: 15.5", "score: .nan"), "score must be a finite number"),
        (("id: big_payment_score", "id: [x]"), "'id' must be a non-empty string"),
        (("    score: 15.5\n", ""), "give an outcome, a score, or both"),
        (("    owner: fraud-team\n  - id: blocked", "  - id: blocked"), "'owner' must be"),
        (('version: "2026-11-28.1"', "versio: 1"), "unknown key 'versio'"),
        (("id: big_payment_score", "id: big payment"), "id and reason_code must match"),
        (("description: test set", "description: test set\ndescription: again"), "duplicate key"),
        (("when: payment.amount > 1000", "when: payment.amount * 2"), "must be a bool, got number"),
        (("rules:", "rules: 3\nx:"), "'rules' must be a list"),
    ],
)
def test_validation_errors_are_clear(mutation: tuple[str, str], fragment: str) -> None:
    old, new = mutation
    assert old in GOOD
    with pytest.raises(RuleSetError) as info:
        load_ruleset_text(GOOD.replace(old, new, 1), SCHEMA, origin="rules.yaml")
    assert isinstance(info.value, InvalidInput)
    assert fragment in str(info.value), str(info.value)
    assert str(info.value).startswith("rules.yaml:")


def test_every_problem_is_reported_at_once() -> None:
    bad = GOOD.replace("mode: active", "mode: live").replace("outcome: decline", "outcome: x")
    with pytest.raises(RuleSetError, match="2 problem") as info:
        load_ruleset_text(bad, SCHEMA)
    assert len(info.value.details) == 2


@pytest.mark.parametrize(
    "text",
    [
        "",
        "- a\n- b",
        "version: 1\nrules: [1]",
        ": : :",
        "[unclosed",
        "? [a]\n: 1",
        "version: 1\nrules:\n  - {id: [a], when: x}\n  - {id: [a], when: x}",
        "[" * 5000 + "]" * 5000,
    ],
)
def test_malformed_documents(text: str) -> None:
    with pytest.raises(RuleSetError):
        load_ruleset_text(text, SCHEMA)


def test_load_from_file_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_ruleset(path, SCHEMA).version == "2026-11-28.1"
    with pytest.raises(RuleSetError, match="cannot read"):
        load_ruleset(tmp_path / "absent.yaml", SCHEMA)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                "version: 1\n",
                "rules:\n",
                "  - id: r1\n",
                "    when: a > 1\n",
                "    when: device.accounts_30d > 1\n",
                "    outcome: review\n",
                "    score: 3\n",
                "    reason_code: R\n",
                "    text_key: t\n",
                "    owner: o\n",
                "    mode: shadow\n",
                "    mode: x\n",
                "  - 5\n",
                "x: [\n",
                "? [1]\n: 2\n",
                "&a b: *a\n",
                "<<: {a: 1}\n",
                "\t",
                "---\n",
            ]
        ),
        max_size=14,
    )
)
def test_any_yaml_loads_or_raises_ruleset_error(parts: list[str]) -> None:
    with contextlib.suppress(RuleSetError):
        load_ruleset_text("".join(parts), SCHEMA)
