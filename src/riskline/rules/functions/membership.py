"""Operator ``x in [a, b, ...]`` (and ``not in``): membership in a literal list.

Items must share the type of ``x``. A missing ``x`` gives missing; missing items never match.

>>> from riskline.rules import compile_expression
>>> e = compile_expression("e.channel in ['app', 'h5']", {"e.channel": "string"})
>>> e({"e.channel": "h5"}), e({"e.channel": "web"})
(True, False)
"""

from __future__ import annotations

from collections.abc import Sequence

from riskline.rules.ast import Node
from riskline.rules.functions.base import Function, SignatureError
from riskline.rules.types import Type

__all__ = ["MEMBERSHIP"]


def _rule(types: Sequence[Type], nodes: Sequence[Node]) -> Type:
    needle = types[0]
    for i, t in enumerate(types[1:], start=1):
        if t is not needle:
            raise SignatureError(f"list item {i} is {t} but the value tested is {needle}", i)
    return Type.BOOL


def member(needle: object, *items: object) -> bool:
    """Whether ``needle`` equals one of ``items``."""
    return needle in items


MEMBERSHIP = Function("in", 1, None, _rule, member)
"""Membership test; the compiler precomputes a set when all items are literals."""
