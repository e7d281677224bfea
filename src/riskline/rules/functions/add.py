"""Operator ``+``: numbers, durations, and time + duration.

>>> from riskline.rules import compile_expression
>>> compile_expression("a.x + 2 > 4", {"a.x": "number"})({"a.x": 3})
True
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

import polars as pl

from riskline.rules.functions._table import table_rule
from riskline.rules.functions.base import Function
from riskline.rules.types import Type

__all__ = ["ADD"]

_N, _D, _T = Type.NUMBER, Type.DURATION, Type.TIME


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    return args[0] + args[1]


ADD = Function(
    "+",
    2,
    2,
    table_rule("+", {(_N, _N): _N, (_D, _D): _D, (_T, _D): _T, (_D, _T): _T}),
    operator.add,
    vector=_vector,
)
"""Addition; missing if either side is missing."""
