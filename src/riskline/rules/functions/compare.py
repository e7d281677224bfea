"""Comparison operators ``== != < <= > >=``; a comparison with a missing side is missing.

Both sides must have the same type; ``< <= > >=`` need numbers, times or durations.

>>> from riskline.rules import compile_expression
>>> e = compile_expression("d.accounts_30d >= 4", {"d.accounts_30d": "number"})
>>> e({"d.accounts_30d": 4}), e({"d.accounts_30d": 3}), e({})
(True, False, None)
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

from riskline.rules.ast import Node
from riskline.rules.functions.base import Function, SignatureError
from riskline.rules.types import Type

__all__ = ["COMPARISONS", "ORDERED"]

ORDERED = frozenset({Type.NUMBER, Type.TIME, Type.DURATION})
"""Types with an order."""


def _rule(symbol: str) -> Callable[[Sequence[Type], Sequence[Node]], Type]:
    ordered = symbol not in ("==", "!=")

    def rule(types: Sequence[Type], nodes: Sequence[Node]) -> Type:
        left, right = types
        if left is not right:
            raise SignatureError(f"cannot compare {left} with {right} using '{symbol}'")
        if ordered and left not in ORDERED:
            raise SignatureError(f"'{symbol}' needs numbers, times or durations, not {left}")
        return Type.BOOL

    return rule


_OPS: dict[str, Callable[[Any, Any], object]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _vector(fn: Callable[[Any, Any], object]) -> Callable[[Sequence[Any], Any], Any]:
    return lambda args, now: fn(args[0], args[1])


COMPARISONS = {
    sym: Function(sym, 2, 2, _rule(sym), fn, vector=_vector(fn)) for sym, fn in _OPS.items()
}
"""The six comparison operators by symbol."""
