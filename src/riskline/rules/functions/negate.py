"""Unary operator ``-`` on numbers and durations.

>>> from riskline.rules import compile_expression
>>> compile_expression("-a.x > 0", {"a.x": "number"})({"a.x": -2})
True
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

import polars as pl

from riskline.rules.functions._table import table_rule
from riskline.rules.functions.base import Function
from riskline.rules.types import Type

__all__ = ["NEGATE"]


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    return -args[0]


NEGATE = Function(
    "-",
    1,
    1,
    table_rule("-", {(Type.NUMBER,): Type.NUMBER, (Type.DURATION,): Type.DURATION}),
    operator.neg,
    vector=_vector,
)
"""Negation; missing stays missing."""
