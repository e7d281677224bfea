"""``lower(s)``: a string in lower case, for case-insensitive matching.

>>> from riskline.rules import compile_expression
>>> compile_expression("lower(e.os) == 'android'", {"e.os": "string"})({"e.os": "Android"})
True
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from riskline.rules.ast import Node
from riskline.rules.functions.base import Function, expect
from riskline.rules.types import Type

__all__ = ["LOWER"]


def _rule(types: Sequence[Type], nodes: Sequence[Node]) -> Type:
    expect(types, Type.STRING)
    return Type.STRING


def lower(text: str) -> str:
    """Lower-cased text."""
    return text.lower()


def _vector(args: Sequence[pl.Expr], now: pl.Expr) -> pl.Expr:
    return args[0].str.to_lowercase()


LOWER = Function("lower", 1, 1, _rule, lower, vector=_vector)
"""Lower case; missing stays missing."""
