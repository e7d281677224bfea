"""The DSL's functions and operators, one per module, collected into two registries.

>>> sorted(FUNCTIONS)[:3]
['abs', 'coalesce', 'days']
"""

from __future__ import annotations

from riskline.rules.functions.abs_ import ABS
from riskline.rules.functions.add import ADD
from riskline.rules.functions.base import Frame, Function, SignatureError
from riskline.rules.functions.between import BETWEEN
from riskline.rules.functions.coalesce import COALESCE
from riskline.rules.functions.compare import COMPARISONS
from riskline.rules.functions.days import DAYS
from riskline.rules.functions.days_since import DAYS_SINCE
from riskline.rules.functions.divide import DIVIDE
from riskline.rules.functions.hour_of import HOUR_OF
from riskline.rules.functions.in_list import IN_LIST
from riskline.rules.functions.is_missing import IS_MISSING
from riskline.rules.functions.is_round import IS_ROUND
from riskline.rules.functions.lower import LOWER
from riskline.rules.functions.max_ import MAX
from riskline.rules.functions.membership import MEMBERSHIP
from riskline.rules.functions.min_ import MIN
from riskline.rules.functions.multiply import MULTIPLY
from riskline.rules.functions.negate import NEGATE
from riskline.rules.functions.now import NOW
from riskline.rules.functions.subtract import SUBTRACT

__all__ = [
    "BETWEEN",
    "BINARY",
    "FUNCTIONS",
    "MEMBERSHIP",
    "NEGATE",
    "Frame",
    "Function",
    "SignatureError",
]

_CALLABLE = (ABS, COALESCE, DAYS, DAYS_SINCE, HOUR_OF, IN_LIST, IS_MISSING, IS_ROUND, LOWER)
FUNCTIONS: dict[str, Function] = {f.name: f for f in (*_CALLABLE, MAX, MIN, NOW)}
"""Functions callable by name in expressions."""

BINARY: dict[str, Function] = {f.name: f for f in (ADD, SUBTRACT, MULTIPLY, DIVIDE)}
BINARY.update(COMPARISONS)
"""Binary arithmetic and comparison operators by symbol."""
