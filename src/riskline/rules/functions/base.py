"""What every DSL function and operator declares: arity, a type rule and an implementation.

>>> from riskline.rules.types import Type
>>> numeric((Type.NUMBER, Type.NUMBER))
<Type.NUMBER: 'number'>
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from riskline.rules.ast import Node
from riskline.rules.lists import ListLookup
from riskline.rules.types import Type

__all__ = [
    "Frame",
    "Function",
    "SignatureError",
    "TypeRule",
    "VectorRule",
    "expect",
    "numeric",
    "same_type",
]


class SignatureError(Exception):
    """Raised by a type rule; ``index`` points at the offending argument (or None)."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


class Frame:
    """Everything an expression can read at evaluation time (a naive ``now`` is taken as UTC)."""

    __slots__ = ("lists", "now", "now_dt", "values")

    def __init__(self, values: Mapping[str, object], lists: ListLookup, now: datetime) -> None:
        self.values = values
        self.lists = lists
        self.now_dt = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
        self.now = self.now_dt.timestamp()


TypeRule = Callable[[Sequence[Type], Sequence[Node]], Type]

VectorRule = Callable[[Sequence[Any], Any], Any]
"""Polars translation: (argument expressions, now-in-epoch-seconds expression) -> expression.

It must follow the same missing-value rules as ``impl`` (null in, null out unless documented).
"""


@dataclass(frozen=True, slots=True)
class Function:
    """A DSL function or operator.

    ``strict``: any missing argument makes the result missing without calling ``impl``.
    ``needs_frame``: ``impl`` receives the :class:`Frame` as its first argument.
    ``vector``: the polars translation used by the backtest (None: evaluated row by row).
    """

    name: str
    min_args: int
    max_args: int | None
    type_rule: TypeRule
    impl: Callable[..., object]
    strict: bool = True
    needs_frame: bool = False
    vector: VectorRule | None = None


def same_type(types: Sequence[Type], allowed: frozenset[Type] | None = None) -> Type:
    """The common type of all arguments; ``SignatureError`` if they differ or are not allowed."""
    first = types[0]
    for i, t in enumerate(types):
        if t is not first:
            raise SignatureError(f"argument {i + 1} is {t}, expected {first} like the first", i)
        if allowed is not None and t not in allowed:
            names = " or ".join(sorted(allowed))
            raise SignatureError(f"argument {i + 1} is {t}, expected {names}", i)
    return first


def numeric(types: Sequence[Type], nodes: Sequence[Node] = ()) -> Type:
    """Type rule for functions of numbers only, returning a number."""
    return same_type(types, frozenset({Type.NUMBER}))


def expect(types: Sequence[Type], *wanted: Type) -> None:
    """Check positional argument types against ``wanted`` (extra args unchecked)."""
    for i, (got, want) in enumerate(zip(types, wanted, strict=False)):
        if got is not want:
            raise SignatureError(f"argument {i + 1} is {got}, expected {want}", i)
