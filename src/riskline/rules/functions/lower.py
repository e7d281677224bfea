"""``lower(s)``: a string in lower case, for case-insensitive matching.

>>> from riskline.rules import compile_expression
>>> compile_expression("lower(e.os) == 'android'", {"e.os": "string"})({"e.os": "Android"})
True
"""

from __future__ import annotations

from collections.abc import Sequence

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


LOWER = Function("lower", 1, 1, _rule, lower)
"""Lower case; missing stays missing."""
