"""``now()``: the evaluation time (the ``now`` passed to the rule set), as a time.

>>> from datetime import datetime, timezone
>>> from riskline.rules import compile_expression
>>> e = compile_expression("e.at > now() - 1h", {"e.at": "time"})
>>> e({"e.at": datetime(2026, 1, 1, 11, 30, tzinfo=timezone.utc)},
...   now=datetime(2026, 1, 1, 12, tzinfo=timezone.utc))
True
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from riskline.rules.ast import Node
from riskline.rules.functions.base import Frame, Function
from riskline.rules.types import Type

__all__ = ["NOW"]


def _rule(types: Sequence[Type], nodes: Sequence[Node]) -> Type:
    return Type.TIME


def now(frame: Frame) -> float:
    """The frame's time in epoch seconds."""
    return frame.now


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    return now


NOW = Function("now", 0, 0, _rule, now, needs_frame=True, vector=_vector)
"""Evaluation time; never missing."""
