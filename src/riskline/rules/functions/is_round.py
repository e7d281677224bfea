"""``is_round(amount, unit)``: whether an amount is a whole multiple of ``unit`` (> 0).

Round amounts (1000, 5000) are a classic cash-out and test-transaction signal.

>>> from riskline.rules import compile_expression
>>> e = compile_expression("is_round(p.amount, 100)", {"p.amount": "number"})
>>> e({"p.amount": 5000}), e({"p.amount": 4999.5}), e({"p.amount": 0})
(True, False, False)
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from riskline.rules.ast import Node
from riskline.rules.functions.base import Function, numeric
from riskline.rules.types import Type

__all__ = ["IS_ROUND"]


_EXACT = 2.0**53
"""Past this magnitude a float's remainder depends on how it is computed (Python's exact
``%`` and polars' vectorised one disagree): no amount is that large, none counts as round."""


def is_round(amount: float, unit: float) -> bool | None:
    """Non-zero multiple of ``unit`` (under 2**53 in magnitude); missing when ``unit`` is not
    positive."""
    if unit <= 0:
        return None
    return amount != 0 and abs(amount) < _EXACT and amount % unit == 0


def _rule(types: Sequence[Type], nodes: Sequence[Node]) -> Type:
    numeric(types)
    return Type.BOOL


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    amount, unit = args
    round_ = (amount != 0) & (amount.abs() < _EXACT) & (amount % unit == 0)
    return pl.when(unit <= 0).then(None).otherwise(round_)


IS_ROUND = Function("is_round", 2, 2, _rule, is_round, vector=_vector)
"""Round-amount test; missing if either argument is missing."""
