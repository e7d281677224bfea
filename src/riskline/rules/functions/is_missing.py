"""``is_missing(x)``: true when ``x`` is missing (feature absent, null, NaN, or x / 0).

This is the only way to branch on missing data: every other operator propagates it,
and a rule fires only when its expression is true.

>>> from riskline.rules import compile_expression
>>> e = compile_expression("is_missing(b.score)", {"b.score": "number"})
>>> e({}), e({"b.score": float("nan")}), e({"b.score": 600})
(True, True, False)
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from riskline.rules.ast import Node
from riskline.rules.functions.base import Function
from riskline.rules.types import Type

__all__ = ["IS_MISSING"]


def _rule(types: Sequence[Type], nodes: Sequence[Node]) -> Type:
    return Type.BOOL


def is_missing(value: object) -> bool:
    """Whether ``value`` is the missing marker (None)."""
    return value is None


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    return args[0].is_null()


IS_MISSING = Function("is_missing", 1, 1, _rule, is_missing, strict=False, vector=_vector)
"""Missing test; never missing itself."""
