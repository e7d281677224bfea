"""Type rules given as a table of (argument types) -> result type.

>>> from riskline.rules.types import Type
>>> rule = table_rule("+", {(Type.NUMBER, Type.NUMBER): Type.NUMBER})
>>> rule((Type.NUMBER, Type.NUMBER), ())
<Type.NUMBER: 'number'>
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from riskline.rules.ast import Node
from riskline.rules.functions.base import SignatureError, TypeRule
from riskline.rules.types import Type

__all__ = ["table_rule"]


def table_rule(symbol: str, table: Mapping[tuple[Type, ...], Type]) -> TypeRule:
    """A type rule that looks the argument types up in ``table``."""

    def rule(types: Sequence[Type], nodes: Sequence[Node]) -> Type:
        found = table.get(tuple(types))
        if found is None:
            shown = f" {symbol} ".join(str(t) for t in types)
            if len(types) == 1:
                shown = f"{symbol}{types[0]}"
            raise SignatureError(f"operator '{symbol}' does not apply to {shown}")
        return found

    return rule
