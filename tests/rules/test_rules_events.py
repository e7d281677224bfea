"""A rule scoped to event types fires on the events that bring its evidence, and only there."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from riskline.rules import EmptyLists, RuleSetError, load_ruleset_text
from riskline.rules.backtest import hit_matrix

SCHEMA = {"graph.fund_cycle": "bool", "x": "number"}
T0 = datetime(2026, 1, 1, tzinfo=UTC)
SCOPED = """
version: "1"
rules:
  - id: cycle_credit
    events: [loan_application, loan_drawdown]
    when: graph.fund_cycle
    outcome: decline
    reason_code: FUND_CYCLE
    text_key: notice.unusual_transfers
    owner: aml
  - id: everywhere
    when: x >= 1
    outcome: review
    reason_code: X
    text_key: notice.x
    owner: ops
"""


def test_scoped_rule_fires_only_on_its_event_types() -> None:
    rs = load_ruleset_text(SCOPED, SCHEMA)
    values = {"graph.fund_cycle": True, "x": 0}
    on = {t: rs.evaluate(values, EmptyLists(), T0, t).outcome.value for t in ("login", "transfer")}
    assert on == {"login": "approve", "transfer": "approve"}
    result = rs.evaluate(values, EmptyLists(), T0, "loan_drawdown")
    assert [h.rule_id for h in result.hits] == ["cycle_credit"]
    # an unscoped rule still looks at everything
    assert rs.evaluate({"x": 2}, EmptyLists(), T0, "login").outcome.value == "review"
    # a caller that does not know the event type evaluates every rule
    assert rs.evaluate(values, EmptyLists(), T0).outcome.value == "decline"


@pytest.mark.parametrize(
    ("events", "fragment"),
    [("[paymnet]", "unknown event types ['paymnet']"), ("[]", "non-empty list"), ("7", "list")],
)
def test_bad_event_scopes_are_refused_with_the_line(events: str, fragment: str) -> None:
    with pytest.raises(RuleSetError) as err:
        load_ruleset_text(SCOPED.replace("[loan_application, loan_drawdown]", events), SCHEMA)
    assert fragment in str(err.value)
    assert "line 5" in str(err.value)


@pytest.mark.parametrize("vectorise", [True, False])
def test_backtest_honours_the_scope_when_history_has_event_types(vectorise: bool) -> None:
    rs = load_ruleset_text(SCOPED, SCHEMA)
    history = pl.DataFrame(
        {
            "event_type": ["transfer", "loan_application", "login", "loan_drawdown"],
            "graph.fund_cycle": [True, True, True, False],
            "x": [0, 0, 0, 0],
        }
    )
    hits, _ = hit_matrix(rs, history, now=T0, vectorise=vectorise)
    assert hits["cycle_credit"].tolist() == [False, True, False, False]
    # without an event-type column every row is looked at, as the engine does blind
    blind, _ = hit_matrix(rs, history.drop("event_type"), now=T0, vectorise=vectorise)
    assert np.array_equal(blind["cycle_credit"], np.array([True, True, True, False]))
