"""``max(a, b, ...)``: largest of numbers (or of durations, or of times); missing if any is.

>>> from riskline.rules import compile_expression
>>> compile_expression("max(a.x, 3) == 3", {"a.x": "number"})({"a.x": 1})
True
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from riskline.rules.ast import Node
from riskline.rules.functions.base import Function, same_type
from riskline.rules.functions.compare import ORDERED
from riskline.rules.types import Type

__all__ = ["MAX"]


def _rule(types: Sequence[Type], nodes: Sequence[Node]) -> Type:
    return same_type(types, ORDERED)


def largest(*args: float) -> float:
    """The largest argument."""
    return max(args)


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    any_missing = pl.any_horizontal([a.is_null() for a in args])
    return pl.when(any_missing).then(None).otherwise(pl.max_horizontal(args))


MAX = Function("max", 1, None, _rule, largest, vector=_vector)
"""Maximum; use ``coalesce`` to give missing arguments a default."""
