"""``coalesce(a, b, ...)``: the first argument that is not missing (all of one type).

>>> from riskline.rules import compile_expression
>>> e = compile_expression("coalesce(a.age_days, 0) < 7", {"a.age_days": "number"})
>>> e({}), e({"a.age_days": 30})
(True, False)
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from riskline.rules.ast import Node
from riskline.rules.functions.base import Function, same_type
from riskline.rules.types import Type

__all__ = ["COALESCE"]


def _rule(types: Sequence[Type], nodes: Sequence[Node]) -> Type:
    return same_type(types)


def first_present(*args: object) -> object:
    """The first argument that is not None."""
    for arg in args:
        if arg is not None:
            return arg
    return None


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    return pl.coalesce(args)


COALESCE = Function("coalesce", 1, None, _rule, first_present, strict=False, vector=_vector)
"""First non-missing argument; missing only if all are."""
