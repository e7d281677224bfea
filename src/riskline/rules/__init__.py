"""Rules: a safe DSL over features, lists and graph signals; rule sets; lists; backtest.

>>> e = compile_expression("in_list('block', 'device', e.device_id) or g.flagged_within_2 > 0",
...                        {"e.device_id": "string", "g.flagged_within_2": "number"})
>>> e({"e.device_id": "d1", "g.flagged_within_2": 1})
True
"""

from riskline.rules.errors import RuleError, RuleSetError
from riskline.rules.expression import CompiledExpression, compile_expression
from riskline.rules.lists import (
    LIST_NAMES,
    EmptyLists,
    ListEntry,
    ListLookup,
    ListStore,
    MemoryListStore,
)
from riskline.rules.types import FeatureSchema, FeatureType, Type

__all__ = [
    "LIST_NAMES",
    "CompiledExpression",
    "EmptyLists",
    "FeatureSchema",
    "FeatureType",
    "ListEntry",
    "ListLookup",
    "ListStore",
    "MemoryListStore",
    "RuleError",
    "RuleSetError",
    "Type",
    "compile_expression",
]
