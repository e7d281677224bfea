"""``min(a, b, ...)``: smallest of numbers (or of durations, or of times); missing if any is.

>>> from riskline.rules import compile_expression
>>> compile_expression("min(a.x, 3, a.y) == 2", {"a.x": "number", "a.y": "number"})(
...     {"a.x": 5, "a.y": 2})
True
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from riskline.rules.ast import Node
from riskline.rules.functions.base import Function, same_type
from riskline.rules.functions.compare import ORDERED
from riskline.rules.types import Type

__all__ = ["MIN"]


def _rule(types: Sequence[Type], nodes: Sequence[Node]) -> Type:
    return same_type(types, ORDERED)


def smallest(*args: float) -> float:
    """The smallest argument."""
    return min(args)


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    any_missing = pl.any_horizontal([a.is_null() for a in args])
    return pl.when(any_missing).then(None).otherwise(pl.min_horizontal(args))


MIN = Function("min", 1, None, _rule, smallest, vector=_vector)
"""Minimum; use ``coalesce`` to give missing arguments a default."""
