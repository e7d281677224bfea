"""``days_since(t)``: days (fractional) from time ``t`` to the evaluation time.

>>> from datetime import datetime, timezone
>>> from riskline.rules import compile_expression
>>> e = compile_expression("days_since(a.opened_at) < 7", {"a.opened_at": "time"})
>>> e({"a.opened_at": datetime(2026, 1, 1, tzinfo=timezone.utc)},
...   now=datetime(2026, 1, 5, tzinfo=timezone.utc))
True
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from riskline.rules.ast import Node
from riskline.rules.functions.base import Frame, Function, expect
from riskline.rules.types import Type

__all__ = ["DAYS_SINCE"]


def _rule(types: Sequence[Type], nodes: Sequence[Node]) -> Type:
    expect(types, Type.TIME)
    return Type.NUMBER


def days_since(frame: Frame, epoch_seconds: float) -> float:
    """``(now - t)`` in days."""
    return (frame.now - epoch_seconds) / 86400.0


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    return (now - args[0]) / 86400.0


DAYS_SINCE = Function("days_since", 1, 1, _rule, days_since, needs_frame=True, vector=_vector)
"""Age in days; missing if the time is missing."""
