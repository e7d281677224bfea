"""``max(a, b, ...)``: largest of numbers (or of durations, or of times); missing if any is.

>>> from riskline.rules import compile_expression
>>> compile_expression("max(a.x, 3) == 3", {"a.x": "number"})({"a.x": 1})
True
"""

from __future__ import annotations

from collections.abc import Sequence

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


MAX = Function("max", 1, None, _rule, largest)
"""Maximum; use ``coalesce`` to give missing arguments a default."""
