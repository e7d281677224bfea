"""Backtest figures on a small hand-checked frame, and vectorised == row-by-row evaluation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from rich.console import Console

from riskline.errors import InvalidInput
from riskline.rules import (
    FeatureSchema,
    ListEntry,
    MemoryListStore,
    Overlap,
    backtest,
    load_ruleset_text,
)

SCHEMA: FeatureSchema = {
    "device.accounts_30d": "number",
    "account.age_days": "number",
    "payment.amount": "number",
    "event.device_id": "string",
    "event.occurred_at": "time",
}
T0 = datetime(2026, 5, 1, tzinfo=UTC)


def rule(rid: str, when: str, outcome: str, mode: str = "active") -> str:
    return (
        f"  - id: {rid}\n    when: '{when}'\n    outcome: {outcome}\n    mode: {mode}\n"
        f"    reason_code: {rid.upper()}\n    text_key: t.{rid}\n    owner: qa\n"
    )


CANDIDATE = load_ruleset_text(
    'version: "cand"\nrules:\n'
    + rule("r_dev", "device.accounts_30d >= 4", "decline")
    + rule("r_new", "account.age_days < 7", "review")
    + rule("r_amt", "payment.amount > 1000", "challenge", mode="shadow")
    + rule("r_blk", 'in_list("block", "device", event.device_id)', "decline"),
    SCHEMA,
)
BASELINE = load_ruleset_text(
    'version: "base"\nrules:\n' + rule("r_new", "account.age_days < 7", "review"), SCHEMA
)
HISTORY = pl.DataFrame(
    {
        "device.accounts_30d": [5, 1, 4, 0, None, 6, 0, 2],
        "account.age_days": [2.0, 3.0, 30.0, 40.0, 1.0, None, 100.0, 10.0],
        "payment.amount": [50.0, 2000.0, 10.0, 5000.0, 10.0, 20.0, 10.0, 1500.0],
        "event.device_id": ["d0", "d1", "d2", "d3", "d4", "dX", "d6", "dX"],
        "event.occurred_at": [T0 + timedelta(hours=i) for i in range(8)],
        "label": [1, 1, 0, 0, 0, 1, 0, 0],
    }
)


def lists() -> MemoryListStore:
    store = MemoryListStore()
    store.add(ListEntry("block", "device", "dX", "case:7", T0, expires_at=T0 + timedelta(hours=6)))
    return store


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return backtest(
        CANDIDATE, HISTORY, "label", BASELINE, lists=lists(), time_col="event.occurred_at"
    )


def test_per_rule_figures(report) -> None:  # type: ignore[no-untyped-def]
    got = {r.rule_id: (r.hits, r.true_positives, r.precision, r.recall) for r in report.rules}
    assert got == {
        "r_dev": (3, 2, 2 / 3, 2 / 3),
        "r_new": (3, 2, 2 / 3, 2 / 3),
        "r_amt": (3, 1, 1 / 3, 1 / 3),
        "r_blk": (1, 1, 1.0, 1 / 3),
    }
    fpr = {r.rule_id: r.false_positive_rate for r in report.rules}
    assert fpr == {"r_dev": 0.2, "r_new": 0.2, "r_amt": 0.4, "r_blk": 0.0}
    assert (report.rows, report.positives) == (8, 3)
    assert (report.vectorised_rules, report.row_rules) == (3, 1)


def test_overlaps_are_pairwise_jaccard(report) -> None:  # type: ignore[no-untyped-def]
    assert report.overlaps == (
        Overlap("r_dev", "r_blk", 1, 1 / 3),
        Overlap("r_dev", "r_new", 1, 0.2),
        Overlap("r_new", "r_amt", 1, 0.2),
    )


def test_decision_mix_against_baseline(report) -> None:  # type: ignore[no-untyped-def]
    assert dict(report.candidate.mix) == {"approve": 3, "review": 2, "challenge": 0, "decline": 3}
    assert report.baseline is not None
    assert dict(report.baseline.mix) == {"approve": 5, "review": 3, "challenge": 0, "decline": 0}
    assert dict(report.transitions) == {("approve", "decline"): 2, ("review", "decline"): 1}
    cand = report.candidate.to_dict()
    assert (cand["flagged"], cand["true_positives"]) == (5, 3)
    assert (cand["precision"], cand["recall"], cand["false_positive_rate"]) == (0.6, 1.0, 0.4)


def test_promoting_shadow_rules_changes_the_mix() -> None:
    r = backtest(
        CANDIDATE,
        HISTORY,
        "label",
        lists=lists(),
        time_col="event.occurred_at",
        promote_shadow=True,
    )
    assert dict(r.candidate.mix) == {"approve": 1, "review": 1, "challenge": 3, "decline": 3}


def test_row_path_gives_the_same_report(report) -> None:  # type: ignore[no-untyped-def]
    rows = backtest(
        CANDIDATE,
        HISTORY,
        "label",
        BASELINE,
        lists=lists(),
        time_col="event.occurred_at",
        vectorise=False,
    )
    assert rows.rules == report.rules
    assert rows.candidate == report.candidate
    assert rows.row_rules == 4


def test_list_ttl_follows_the_event_time() -> None:
    at_start = backtest(CANDIDATE, HISTORY, "label", lists=lists(), now=T0)
    blk = {r.rule_id: r.hits for r in at_start.rules}["r_blk"]
    assert blk == 2, "with a fixed now inside the TTL both dX rows are blocked"


def test_json_and_rich_rendering(report) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(report.to_json())
    assert data["rules"][0]["rule_id"] == "r_dev"
    assert data["transitions"] == [
        {"from": "approve", "to": "decline", "rows": 2},
        {"from": "review", "to": "decline", "rows": 1},
    ]
    console = Console(record=True, width=120)
    report.render(console)
    text = console.export_text()
    assert "r_blk" in text
    assert "66.7%" in text
    assert "baseline base" in text
    assert "Changed decisions: 3 of 8" in text
    assert "│ approve  │ decline   │    2 │" in text


def test_missing_columns_are_reported_and_read_as_missing() -> None:
    r = backtest(CANDIDATE, HISTORY.drop("account.age_days"), "label", lists=lists(), now=T0)
    assert r.missing_columns == ("account.age_days",)
    assert {s.rule_id: s.hits for s in r.rules}["r_new"] == 0


@pytest.mark.parametrize(
    ("frame", "fragment"),
    [
        (HISTORY.drop("label"), "not in the history"),
        (HISTORY.with_columns(label=pl.lit(2)), "only 0 and 1"),
        (HISTORY.with_columns(label=pl.lit(None, dtype=pl.Int64)), "missing values"),
    ],
)
def test_bad_labels_are_rejected(frame: pl.DataFrame, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        backtest(CANDIDATE, frame, "label")


def test_null_event_time_falls_back_to_now_on_both_paths() -> None:
    schema: FeatureSchema = {"event.occurred_at": "time", "account.opened_at": "time"}
    rs = load_ruleset_text(
        'version: "t"\nrules:\n' + rule("fresh", "days_since(account.opened_at) < 1", "review"),
        schema,
    )
    frame = pl.DataFrame(
        {
            "event.occurred_at": [T0, None, T0 + timedelta(days=5)],
            "account.opened_at": [T0 - timedelta(hours=2)] * 3,
            "label": [0, 1, 0],
        }
    )
    now = T0 + timedelta(hours=1)
    fast = backtest(rs, frame, "label", time_col="event.occurred_at", now=now)
    slow = backtest(rs, frame, "label", time_col="event.occurred_at", now=now, vectorise=False)
    assert fast.rules == slow.rules
    assert fast.rules[0].hits == 2, "rows 0 and 1 (null time -> now) are within a day"


def test_read_history_round_trip_and_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from riskline.rules import read_history

    path = tmp_path / "h.parquet"
    HISTORY.rename({"device.accounts_30d": "dev_accts"}).write_parquet(path)
    frame = read_history(path, rename={"dev_accts": "device.accounts_30d"})
    assert frame.equals(HISTORY.select(frame.columns))
    with pytest.raises(InvalidInput, match="missing: nope"):
        read_history(path, rename={"nope": "x"})
    with pytest.raises(InvalidInput, match="cannot read"):
        read_history(tmp_path / "absent.csv")
    with pytest.raises(InvalidInput, match=r"\.csv or \.parquet"):
        read_history(tmp_path / "h.json")
