"""Operator ``x between lo and hi``: inclusive range test on numbers, times or durations.

>>> from riskline.rules import compile_expression
>>> e = compile_expression("not (a.h between 7 and 22)", {"a.h": "number"})
>>> e({"a.h": 3}), e({"a.h": 7}), e({})
(True, False, None)
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from riskline.rules.ast import Node
from riskline.rules.functions.base import Function, same_type
from riskline.rules.functions.compare import ORDERED
from riskline.rules.types import Type

__all__ = ["BETWEEN"]


def _rule(types: Sequence[Type], nodes: Sequence[Node]) -> Type:
    same_type(types, ORDERED)
    return Type.BOOL


def between(value: float, low: float, high: float) -> bool:
    """``low <= value <= high``."""
    return low <= value <= high


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    any_missing = pl.any_horizontal([a.is_null() for a in args])
    return pl.when(any_missing).then(None).otherwise(args[0].is_between(args[1], args[2]))


BETWEEN = Function("between", 3, 3, _rule, between, vector=_vector)
"""Inclusive range test; missing if any operand is missing."""
