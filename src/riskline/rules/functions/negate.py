"""Unary operator ``-`` on numbers and durations.

>>> from riskline.rules import compile_expression
>>> compile_expression("-a.x > 0", {"a.x": "number"})({"a.x": -2})
True
"""

from __future__ import annotations

import operator

from riskline.rules.functions._table import table_rule
from riskline.rules.functions.base import Function
from riskline.rules.types import Type

__all__ = ["NEGATE"]

NEGATE = Function(
    "-",
    1,
    1,
    table_rule("-", {(Type.NUMBER,): Type.NUMBER, (Type.DURATION,): Type.DURATION}),
    operator.neg,
)
"""Negation; missing stays missing."""
