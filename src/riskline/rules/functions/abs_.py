"""``abs(x)``: absolute value of a number or duration.

>>> from riskline.rules import compile_expression
>>> compile_expression("abs(a.delta) > 5", {"a.delta": "number"})({"a.delta": -7})
True
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from riskline.rules.functions._table import table_rule
from riskline.rules.functions.base import Function
from riskline.rules.types import Type

__all__ = ["ABS"]


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    return args[0].abs()


ABS = Function(
    "abs",
    1,
    1,
    table_rule("abs", {(Type.NUMBER,): Type.NUMBER, (Type.DURATION,): Type.DURATION}),
    abs,
    vector=_vector,
)
"""Absolute value; missing stays missing."""
