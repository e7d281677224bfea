"""Operator ``-``: numbers, durations, time - duration, and time - time (a duration).

>>> from riskline.rules import compile_expression
>>> e = compile_expression("now() - a.opened_at < 7d", {"a.opened_at": "time"})
>>> from datetime import datetime, timezone
>>> e({"a.opened_at": datetime(2026, 1, 1, tzinfo=timezone.utc)},
...   now=datetime(2026, 1, 3, tzinfo=timezone.utc))
True
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

import polars as pl

from riskline.rules.functions._table import table_rule
from riskline.rules.functions.base import Function
from riskline.rules.types import Type

__all__ = ["SUBTRACT"]

_N, _D, _T = Type.NUMBER, Type.DURATION, Type.TIME


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    return args[0] - args[1]


SUBTRACT = Function(
    "-",
    2,
    2,
    table_rule("-", {(_N, _N): _N, (_D, _D): _D, (_T, _D): _T, (_T, _T): _D}),
    operator.sub,
    vector=_vector,
)
"""Subtraction; missing if either side is missing."""
