"""``hour_of(t[, utc_offset_hours])``: hour of day 0-23 of a time, UTC unless an offset is given.

>>> from datetime import datetime, timezone
>>> from riskline.rules import compile_expression
>>> e = compile_expression("hour_of(e.at, 8)", {"e.at": "time"})
>>> e({"e.at": datetime(2026, 1, 1, 20, 30, tzinfo=timezone.utc)})
4
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from riskline.rules.ast import Node
from riskline.rules.functions.base import Function, expect
from riskline.rules.types import Type

__all__ = ["HOUR_OF"]


def _rule(types: Sequence[Type], nodes: Sequence[Node]) -> Type:
    expect(types, Type.TIME, Type.NUMBER)
    return Type.NUMBER


def hour_of(epoch_seconds: float, offset_hours: float = 0.0) -> int | None:
    """Hour of day at the given UTC offset; missing for a non-finite time."""
    hours = (epoch_seconds + offset_hours * 3600.0) // 3600.0 % 24
    return int(hours) if math.isfinite(hours) else None


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    offset = args[1] if len(args) > 1 else pl.lit(0.0)
    hours = ((args[0] + offset * 3600.0) // 3600.0) % 24
    return pl.when(hours.is_finite()).then(hours.floor()).otherwise(None)


HOUR_OF = Function("hour_of", 1, 2, _rule, hour_of, vector=_vector)
"""Hour of day; missing if the time is missing."""
