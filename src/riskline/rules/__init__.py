"""Rules: a safe DSL over features, lists and graph signals; rule sets; lists; backtest.

>>> e = compile_expression("in_list('block', 'device', e.device_id) or g.flagged_within_2 > 0",
...                        {"e.device_id": "string", "g.flagged_within_2": "number"})
>>> e({"e.device_id": "d1", "g.flagged_within_2": 1})
True
"""

from riskline.rules.backtest import backtest, hit_matrix
from riskline.rules.errors import RuleError, RuleSetError
from riskline.rules.expression import CompiledExpression, compile_expression
from riskline.rules.history import read_history
from riskline.rules.lists import (
    LIST_NAMES,
    EmptyLists,
    ListEntry,
    ListLookup,
    ListStore,
    MemoryListStore,
)
from riskline.rules.loader import (
    EXAMPLE_RULESET,
    Problem,
    load_ruleset,
    load_ruleset_text,
    problems,
)
from riskline.rules.reload import RuleSetHolder
from riskline.rules.report import BacktestReport, DecisionStats, Overlap, RuleStats
from riskline.rules.ruleset import Hit, Mode, Outcome, Rule, RuleFailure, RuleResult, RuleSet
from riskline.rules.types import FeatureSchema, FeatureType, Type

__all__ = [
    "EXAMPLE_RULESET",
    "LIST_NAMES",
    "BacktestReport",
    "CompiledExpression",
    "DecisionStats",
    "EmptyLists",
    "FeatureSchema",
    "FeatureType",
    "Hit",
    "ListEntry",
    "ListLookup",
    "ListStore",
    "MemoryListStore",
    "Mode",
    "Outcome",
    "Overlap",
    "Problem",
    "Rule",
    "RuleError",
    "RuleFailure",
    "RuleResult",
    "RuleSet",
    "RuleSetError",
    "RuleSetHolder",
    "RuleStats",
    "Type",
    "backtest",
    "compile_expression",
    "hit_matrix",
    "load_ruleset",
    "load_ruleset_text",
    "problems",
    "read_history",
]
