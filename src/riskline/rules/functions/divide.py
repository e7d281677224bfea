"""Operator ``/``: division where dividing by zero gives a *missing* value, never an error.

>>> from riskline.rules import compile_expression
>>> e = compile_expression("is_missing(a.x / a.y)", {"a.x": "number", "a.y": "number"})
>>> e({"a.x": 1, "a.y": 0}), e({"a.x": 1, "a.y": 4})
(True, False)
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from riskline.rules.functions._table import table_rule
from riskline.rules.functions.base import Function
from riskline.rules.types import Type

__all__ = ["DIVIDE"]

_N, _D = Type.NUMBER, Type.DURATION


def divide(left: float, right: float) -> float | None:
    """``left / right``, or None (missing) when ``right`` is zero."""
    if right == 0:
        return None
    return left / right


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    left, right = args
    return pl.when(right == 0).then(None).otherwise(left / right)


DIVIDE = Function(
    "/", 2, 2, table_rule("/", {(_N, _N): _N, (_D, _N): _D, (_D, _D): _N}), divide, vector=_vector
)
"""Division; missing if either side is missing or the divisor is zero."""
