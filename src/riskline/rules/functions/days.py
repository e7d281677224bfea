"""``days(d)``: a duration expressed as a number of days, to mix with day-count features.

>>> from riskline.rules import compile_expression
>>> compile_expression("days(36h) == 1.5", {})({})
True
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from riskline.rules.ast import Node
from riskline.rules.functions.base import Function, expect
from riskline.rules.types import Type

__all__ = ["DAYS"]


def _rule(types: Sequence[Type], nodes: Sequence[Node]) -> Type:
    expect(types, Type.DURATION)
    return Type.NUMBER


def days(seconds: float) -> float:
    """Seconds to days."""
    return seconds / 86400.0


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    return args[0] / 86400.0


DAYS = Function("days", 1, 1, _rule, days, vector=_vector)
"""Duration in days; missing stays missing."""
