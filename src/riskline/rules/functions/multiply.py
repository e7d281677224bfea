"""Operator ``*``: numbers, and a duration scaled by a number.

>>> from riskline.rules import compile_expression
>>> schema = {"p.amount": "number", "a.limit": "number"}
>>> compile_expression("p.amount >= 0.9 * a.limit", schema)({"p.amount": 95, "a.limit": 100})
True
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

import polars as pl

from riskline.rules.functions._table import table_rule
from riskline.rules.functions.base import Function
from riskline.rules.types import Type

__all__ = ["MULTIPLY"]

_N, _D = Type.NUMBER, Type.DURATION


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    return args[0] * args[1]


MULTIPLY = Function(
    "*",
    2,
    2,
    table_rule("*", {(_N, _N): _N, (_D, _N): _D, (_N, _D): _D}),
    operator.mul,
    vector=_vector,
)
"""Multiplication; missing if either side is missing."""
