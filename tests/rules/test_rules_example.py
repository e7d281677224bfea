"""The shipped example rule set type-checks against the real catalog and runs on batch output."""

from __future__ import annotations

import numpy as np
import polars as pl

from riskline.bench.synth import generate_history
from riskline.decisioning.engine import signal_schema
from riskline.features.batch import compute_batch
from riskline.features.default import default_catalog
from riskline.graph.features import SCHEMA as GRAPH_SCHEMA
from riskline.rules import EXAMPLE_RULESET, Mode, backtest, load_ruleset


def test_example_rules_load_against_the_engines_schema() -> None:
    """Everything the engine lets a rule read: catalog, graph, event and line context."""
    schema = signal_schema(default_catalog().schema(), GRAPH_SCHEMA)
    rs = load_ruleset(EXAMPLE_RULESET, schema)
    assert len(rs.rules) >= 10
    assert any(r.mode is Mode.SHADOW for r in rs.rules)
    assert all(r.reason_code and r.text_key for r in rs.rules)


def test_example_rules_backtest_on_feature_engine_batch_output() -> None:
    schema = signal_schema(default_catalog().schema(), GRAPH_SCHEMA)
    rs = load_ruleset(EXAMPLE_RULESET, schema)
    frame = compute_batch(default_catalog(), generate_history(300, seed=3))
    labels = np.random.default_rng(0).integers(0, 2, frame.height)
    frame = frame.with_columns(label=pl.Series(labels))
    fast = backtest(rs, frame, "label")
    slow = backtest(rs, frame, "label", vectorise=False)
    assert fast.rules == slow.rules
    assert fast.candidate == slow.candidate
    engine_only = set(GRAPH_SCHEMA) | {f for f in schema if f.split(".")[0] in ("event", "line")}
    assert set(fast.missing_columns) == engine_only & {f for r in rs.rules for f in r.when.features}
    assert sum(r.hits for r in fast.rules) > 0, "some rule should fire on the synthetic history"


def test_a_cash_loan_from_a_phone_first_seen_this_week_is_held_for_review() -> None:
    """new_device_cash_loan: the owner of a bust-out passes a step-up, a review holds the draw;
    an old phone, a young account, a small draw or a line with nothing left does not fire."""
    from datetime import UTC, datetime

    from riskline.rules import Outcome
    from riskline.rules.lists import EmptyLists

    schema = signal_schema(default_catalog().schema(), GRAPH_SCHEMA)
    rs = load_ruleset(EXAMPLE_RULESET, schema)
    base = {
        "account_device.age_hours": 30.0,
        "account.age_days": 200.0,
        "line.available": 8000.0,
        "line.amount_to_available": 0.9,
    }

    def fired(**change: float) -> bool:
        result = rs.evaluate({**base, **change}, EmptyLists(), datetime.now(UTC), "loan_drawdown")
        return any(h.rule_id == "new_device_cash_loan" for h in result.hits)

    assert (
        fired()
        and rs.evaluate(base, EmptyLists(), datetime.now(UTC), "loan_drawdown").outcome
        is Outcome.REVIEW
    )
    assert fired(**{"account_device.age_hours": 24.0 * 10})  # a bust-out's phone of 10 days
    assert not fired(**{"account_device.age_hours": 24.0 * 30})
    assert not fired(**{"account.age_days": 10.0})
    assert not fired(**{"line.amount_to_available": 0.1})
    assert not fired(**{"line.available": 0.0, "line.amount_to_available": float("inf")})


def test_mule_card_counts_people_and_enterprises_apart() -> None:
    """mule_card: a card many people's accounts send to, or an enterprise loan drawn to a card
    other enterprises drew theirs to; a person paying that enterprises' card is no mule."""
    from datetime import UTC, datetime

    from riskline.rules.lists import EmptyLists

    schema = signal_schema(default_catalog().schema(), GRAPH_SCHEMA)
    rs = load_ruleset(EXAMPLE_RULESET, schema)

    def fired(event_type: str, **values: float) -> bool:
        result = rs.evaluate(values, EmptyLists(), datetime.now(UTC), event_type)
        return any(h.rule_id == "mule_card" for h in result.hits)

    group_card = {"card.accounts_30d": 1.0, "card.enterprises_30d": 4.0}
    assert fired("loan_drawdown", **group_card, **{"event.enterprise_credit": 1.0})
    assert not fired("loan_drawdown", **group_card, **{"event.enterprise_credit": 0.0})
    assert not fired("transfer", **group_card)  # the controller sending to his own card
    assert fired("transfer", **{"card.accounts_30d": 3.0, "card.enterprises_30d": 0.0})
    few = {"card.accounts_30d": 1.0, "card.enterprises_30d": 2.0, "event.enterprise_credit": 1.0}
    assert not fired("loan_drawdown", **few)


def test_a_very_young_company_is_reviewed_whatever_it_asks() -> None:
    """shell_enterprise: under 90 days any amount (shells ask for ordinary sums), under 180 a
    million or more."""
    from datetime import UTC, datetime

    from riskline.rules.lists import EmptyLists

    schema = signal_schema(default_catalog().schema(), GRAPH_SCHEMA)
    rs = load_ruleset(EXAMPLE_RULESET, schema)

    def fired(age: float, amount: float) -> bool:
        values = {"enterprise.age_days": age, "enterprise.loan_amount_90d": amount}
        at = datetime.now(UTC)
        result = rs.evaluate(values, EmptyLists(), at, "enterprise_loan_application")
        return any(h.rule_id == "shell_enterprise" for h in result.hits)

    assert fired(30.0, 400_000.0) and fired(89.0, 250_000.0)  # very young, whatever it asks
    assert fired(110.0, 2_500_000.0)  # young, asking a lot
    assert not fired(124.0, 600_000.0)  # young, asking an ordinary sum
    assert not fired(400.0, 3_000_000.0)  # an established company


def test_flagged_ring_needs_a_flag_one_hop_away() -> None:
    """flagged_ring: a flag on the account, its person, device or a directly linked entity
    (distance 0 or 1) holds the credit for review; a flag two hops away (someone who sent
    money to a frozen person's account) does not."""
    from datetime import UTC, datetime

    from riskline.rules.lists import EmptyLists

    schema = signal_schema(default_catalog().schema(), GRAPH_SCHEMA)
    rs = load_ruleset(EXAMPLE_RULESET, schema)

    def fired(distance: float, near: float) -> bool:
        values = {"graph.blocklist_distance": distance, "graph.flagged_neighbours": near}
        result = rs.evaluate(values, EmptyLists(), datetime.now(UTC), "loan_application")
        return any(h.rule_id == "flagged_ring" for h in result.hits)

    assert fired(1.0, 1.0)
    assert fired(0.0, 0.0)  # the account itself is flagged
    assert not fired(2.0, 1.0)
    assert not fired(4.0, 0.0)


def test_fund_cycle_declines_only_credit_asked_of_us() -> None:
    """fund_cycle: a loan application made at another platform (reported to us) is not
    declined; the same loop behind an application here is."""
    from datetime import UTC, datetime

    from riskline.rules.lists import EmptyLists

    schema = signal_schema(default_catalog().schema(), GRAPH_SCHEMA)
    rs = load_ruleset(EXAMPLE_RULESET, schema)

    def fired(asks: float) -> bool:
        values = {"graph.fund_cycle": 1.0, "event.asks_credit": asks}
        result = rs.evaluate(values, EmptyLists(), datetime.now(UTC), "loan_application")
        return any(h.rule_id == "fund_cycle" for h in result.hits)

    assert fired(1.0)
    assert not fired(0.0)
