"""`riskline tune`: thresholds move to catch more actors within the honest-person budget."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml

from riskline.errors import InvalidInput
from riskline.sim import Labels
from riskline.sim.labels import world_prefix
from riskline.sim.tune import Budget, TuningTable, knobs_of, set_constants, tune, write_tuned

SCHEMA = {"x.amount": "number", "x.age": "number"}
RULES = {
    "version": "1",
    "rules": [
        {
            "id": "big",
            "events": ["payment"],
            "when": "x.amount >= 900 and x.age < 30",
            "outcome": "decline",
            "reason_code": "BIG",
            "text_key": "notice.big",
            "owner": "t",
        },
        {
            "id": "shadowed",
            "when": "x.amount >= 1",
            "mode": "shadow",
            "outcome": "review",
            "reason_code": "S",
            "text_key": "notice.s",
            "owner": "t",
        },
    ],
}
POLICY: dict[str, Any] = {"version": "p1", "checks": []}


class _Decision:
    def __init__(self, etype: str, subject: str, **features: float) -> None:
        self.event_type, self.subject = etype, subject
        self.features = MappingProxyType(features)


def _world() -> tuple[TuningTable, Labels, dict[str, str]]:
    """20 young fraud accounts spend 500-690; 200 young good persons spend up to 478 and one
    650; 20 hard negatives (heavy spenders) spend 700 on old accounts."""
    table = TuningTable(("x.age", "x.amount"), frozenset({"payment"}))
    keep = table.collector()
    records: list[dict[str, Any]] = []
    person_of: dict[str, str] = {}
    for i in range(20):
        person_of[f"f{i}"] = f"pf{i}"
        records.append(
            {"id": f"f{i}", "level": "account", "typology": "farm", "person_id": f"pf{i}"}
        )
        keep(None, _Decision("payment", f"f{i}", **{"x.amount": 500 + 10 * i, "x.age": 3}))
        keep(None, _Decision("login", f"f{i}", **{"x.amount": 9999, "x.age": 3}))  # not scoped
    for i in range(200):
        person_of[f"g{i}"] = f"pg{i}"
        amount = 650 if i == 0 else 80 + 2 * i
        keep(None, _Decision("payment", f"g{i}", **{"x.amount": amount, "x.age": 3}))
    for i in range(20):
        person_of[f"h{i}"] = f"ph{i}"
        records.append({"id": f"ph{i}", "level": "hard_negative", "kinds": ["heavy_spender"]})
        keep(None, _Decision("payment", f"h{i}", **{"x.amount": 700, "x.age": 400}))
    return table, Labels.from_records(records), person_of


def test_a_too_strict_threshold_is_lowered_to_catch_the_ring_within_budget() -> None:
    table, labels, person_of = _world()
    result = tune(table, labels, person_of, RULES, POLICY, SCHEMA, Budget(good=0.0, hard=0.0))
    assert result.before["recall"]["farm"] == 0.0  # 900 is above every fraud amount
    moved = {k.feature: v for k, v in result.changes}
    # every fraud amount is at least 500, but a young good person spends 650 and age cannot
    # tell them apart: with no good person to spare, only the actors above 650 can be caught
    assert 650 < moved["x.amount"] <= 660
    assert result.after["recall"]["farm"] == pytest.approx(4 / 20)  # 660..690
    assert result.after["good_rate"] == 0.0
    # the hard negatives spend 700 but are old: the age knob must not be loosened past them
    assert moved["x.age"] <= 400
    assert result.after["hard_rates"]["heavy_spender"] == 0.0


def test_a_budget_for_one_good_person_buys_the_whole_ring() -> None:
    table, labels, person_of = _world()
    result = tune(table, labels, person_of, RULES, POLICY, SCHEMA, Budget(good=0.01, hard=0.0))
    assert result.after["recall"]["farm"] == 1.0
    assert result.after["good_rate"] == pytest.approx(1 / 200)  # the young 650 spender
    assert result.after["hard_rates"]["heavy_spender"] == 0.0


def test_tuned_files_keep_everything_but_the_constants(tmp_path: Path) -> None:
    table, labels, person_of = _world()
    result = tune(table, labels, person_of, RULES, POLICY, SCHEMA, Budget(good=0.01, hard=0.0))
    rules_path, policy_path, report = write_tuned(result, RULES, POLICY, tmp_path, "w")
    tuned = yaml.safe_load(rules_path.read_text())
    big = tuned["rules"][0]
    assert big["when"] != RULES["rules"][0]["when"]
    assert {k: v for k, v in big.items() if k != "when"} == {
        k: v for k, v in RULES["rules"][0].items() if k != "when"
    }
    assert tuned["rules"][1] == RULES["rules"][1]  # shadow rules are not tuned
    assert tuned["version"].startswith("1+tuned.")
    assert yaml.safe_load(policy_path.read_text())["version"].startswith("p1+tuned.")
    assert '"tuned"' in report.read_text()
    assert RULES["rules"][0]["when"] == "x.amount >= 900 and x.age < 30"  # input untouched


def test_knobs_and_constants_round_trip() -> None:
    text = "coalesce(a.b, 0) >= 5 or (c.d < 2.5 and 7 <= e.f)"
    knobs = knobs_of(text, "r")
    assert [(k.feature, k.op, k.value) for k in knobs] == [
        ("a.b", ">=", 5.0),
        ("c.d", "<", 2.5),
        ("e.f", ">=", 7.0),
    ]
    tuned = set_constants(text, {(k.line, k.column): 1.0 for k in knobs})
    assert tuned == "coalesce(a.b, 0) >= 1 or (c.d < 1 and 1 <= e.f)"
    assert [(k.feature, k.op, k.value) for k in knobs_of(tuned, "r")] == [
        ("a.b", ">=", 1.0),
        ("c.d", "<", 1.0),
        ("e.f", ">=", 1.0),
    ]


def test_an_empty_training_table_is_refused() -> None:
    _, labels, person_of = _world()
    empty = TuningTable(("x.age", "x.amount"), frozenset({"payment"}))
    with pytest.raises(InvalidInput, match="no events"):
        tune(empty, labels, person_of, RULES, POLICY, SCHEMA)


def test_the_command_tunes_a_world_and_the_engine_loads_what_it_wrote(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from riskline.cli import app
    from riskline.config import Settings
    from riskline.decisioning.policy import Policy
    from riskline.rules import load_ruleset
    from riskline.runtime import build_runtime
    from riskline.sim import WorldConfig, simulate

    world = tmp_path / "train"
    simulate(WorldConfig.small(persons=300, days=20, seed=11), world)
    out = tmp_path / "tuned"
    result = CliRunner().invoke(app, ["tune", str(world), "--out", str(out), "--max-good", "0"])
    assert result.exit_code == 0, result.output
    assert "good persons touched" in result.output
    report = __import__("json").loads((out / "tuning.json").read_text())
    assert report["after"]["good_rate"] <= max(report["before"]["good_rate"], 0.0)
    Policy.from_file(out / "policy.yaml")  # a valid policy
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'e.db'}",
        rules_path=out / "rules.yaml",
        policy_path=out / "policy.yaml",
    )
    runtime = build_runtime(settings, pii_warning=False)
    try:
        load_ruleset(out / "rules.yaml", runtime.engine.schema)
        assert "+tuned." in runtime.engine.versions["policy"]
    finally:
        runtime.close()


def test_the_command_refuses_a_bad_rules_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from riskline.cli import app

    bad = tmp_path / "rules.yaml"
    bad.write_text("- just a list\n")
    world = tmp_path / "w"
    world.mkdir()
    (world / "labels.jsonl").write_text("")
    result = CliRunner().invoke(
        app, ["tune", str(world), "--out", str(tmp_path / "o"), "--rules", str(bad)]
    )
    assert result.exit_code != 0
    assert "expected a mapping" in result.output
    assert not (tmp_path / "o").exists()


def test_a_check_that_only_touches_honest_people_stands_down() -> None:
    """Every event the check sees is an honest person's: the threshold moves past them all."""
    table, labels, person_of = _world()
    harmful = {
        "version": "1",
        "rules": [
            {
                "id": "old_spenders",
                "events": ["payment"],
                "when": "x.age >= 100",  # only the hard negatives are old
                "outcome": "review",
                "reason_code": "OLD",
                "text_key": "notice.old",
                "owner": "t",
            }
        ],
    }
    result = tune(table, labels, person_of, harmful, POLICY, SCHEMA, Budget(good=0.0, hard=0.0))
    assert result.before["hard_rates"]["heavy_spender"] == 1.0
    assert result.after["hard_rates"]["heavy_spender"] == 0.0
    assert {k.feature: v for k, v in result.changes}["x.age"] > 400


def test_a_small_kind_of_honest_people_is_not_sacrificed() -> None:
    """Four young honest people spend like the ring's smallest buyers: a kind too small for a
    3 % share still may lose only one person, so the threshold stays above them."""
    table, labels, person_of = _world()
    keep = table.collector()
    records = [{"id": f"pt{i}", "level": "hard_negative", "kinds": ["tiny"]} for i in range(4)]
    for i in range(4):
        person_of[f"t{i}"] = f"pt{i}"
        keep(None, _Decision("payment", f"t{i}", **{"x.amount": 520, "x.age": 3}))
    labels.hard_negatives.update({r["id"]: r for r in records})
    result = tune(table, labels, person_of, RULES, POLICY, SCHEMA, Budget(good=0.01, hard=0.03))
    assert result.after["hard_rates"]["tiny"] == 0.0
    assert result.after["recall"]["farm"] == pytest.approx(17 / 20)  # 530 and up


def test_the_collector_learns_each_accounts_person_from_its_opening() -> None:
    class _Opened:
        account_id, person_id = "a1", "p1"

    table = TuningTable(("x.amount",), frozenset({"payment"}))
    keep = table.collector()
    keep(_Opened(), _Decision("account_opened", "a1", **{"x.amount": 1.0}))
    keep(None, _Decision("payment", "a1", **{"x.amount": 5.0}))
    assert table.person_of == {"a1": "p1"}
    assert [r[:2] for r in table.rows] == [("payment", "a1")]  # openings are not in scope


def test_a_credit_gate_check_is_neither_tuned_nor_counted() -> None:
    """A check declining for credit alone (new credit paused while a bill is overdue) is a
    credit decision: it touches the old heavy spenders here, yet tuning leaves it as written
    and neither its hits nor its constants enter the figures."""
    table, labels, person_of = _world()
    gate = {
        "id": "overdue_credit_pause",
        "events": ["payment"],
        "when": "x.age >= 100",
        "outcome": "decline",
        "reason": {"code": "ACCOUNT_DELINQUENT", "text": "Credit is paused until you repay."},
    }
    policy = {"version": "p1", "checks": [gate]}
    result = tune(table, labels, person_of, RULES, policy, SCHEMA, Budget(good=0.01, hard=0.03))
    assert {k.item for k, _ in result.changes} == {"rules:big"}
    assert result.before["hard_rates"]["heavy_spender"] == 0.0  # its hits are not counted
    as_risk = {**policy, "checks": [{**gate, "reason": {"code": "OLD", "text": "Old."}}]}
    counted = tune(table, labels, person_of, RULES, as_risk, SCHEMA, Budget(good=0.01, hard=1.0))
    assert counted.before["hard_rates"]["heavy_spender"] == 1.0  # the same check as a risk one


CALIBRATED: dict[str, Any] = {
    "version": "p2",
    "checks": [
        {
            "id": "young_big",
            "events": ["payment"],
            "when": "x.amount >= 600 and x.age < 30",
            "outcome": "review",
            "reason": {"code": "BIG", "text": "Big."},
            "actions": [{"kind": "freeze", "product": "revolving", "days": 30}],
            "calibration": {"p_fraud": 0.5, "persons": 2, "fraud_persons": 1},
        },
        {
            "id": "never",
            "events": ["payment"],
            "when": "x.amount >= 100000",
            "outcome": "review",
            "reason": {"code": "NEVER", "text": "Never."},
            "calibration": {"p_fraud": 0.9, "persons": 9, "fraud_persons": 8},
        },
    ],
}


def test_each_check_is_calibrated_on_the_persons_it_fires_on(tmp_path: Path) -> None:
    """``young_big`` fires on the 10 fraud accounts spending 600-690 and the one good person
    spending 650: p_fraud is (10 + 1) / (11 + 2), all of them farm, none impostors. A check
    that fires on nobody loses its old calibration (it acts as written)."""
    table, labels, person_of = _world()
    empty: dict[str, Any] = {"version": "r", "rules": []}
    result = tune(table, labels, person_of, empty, CALIBRATED, SCHEMA, passes=0)
    assert result.changes and all(v == k.value for k, v in result.changes)  # nothing moved
    cal = result.calibration["young_big"]
    assert (cal["persons"], cal["fraud_persons"]) == (11, 10)
    assert cal["p_fraud"] == pytest.approx(11 / 13, abs=1e-4)
    assert cal["typologies"] == {"farm": 1.0} and cal["impostor_share"] == 0.0
    assert "never" not in result.calibration
    from riskline.decisioning.loss import LossSpec

    costs = LossSpec().model_dump()
    _, policy_path, _ = write_tuned(result, empty, CALIBRATED, tmp_path, "train-w", costs)
    written = yaml.safe_load(policy_path.read_text())
    young, never = written["checks"]
    assert young["calibration"]["fitted_on"] == "train-w"
    assert young["calibration"]["persons"] == 11
    assert "calibration" not in never
    assert written["loss"]["friction"]["freeze"] > written["loss"]["friction"]["review"]
    from riskline.decisioning.policy import Policy

    assert Policy.from_file(policy_path).loss is not None  # a valid policy with its costs


def test_several_worlds_are_one_table_with_their_ids_apart() -> None:
    table = TuningTable(("x.amount",), frozenset({"payment"}))

    class _Opened:
        account_id, person_id = "a1", "p1"

    for i in range(2):
        keep = table.collector(world_prefix(i, 2))
        keep(_Opened(), _Decision("account_opened", "a1"))
        keep(None, _Decision("payment", "a1", **{"x.amount": 5.0}))
    assert table.person_of == {"w0:a1": "w0:p1", "w1:a1": "w1:p1"}
    assert [r[1] for r in table.rows] == ["w0:a1", "w1:a1"]
