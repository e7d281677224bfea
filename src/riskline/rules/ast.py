"""Abstract syntax tree of the rules DSL: small frozen dataclasses with source positions.

>>> from riskline.rules.parser import parse
>>> parse("x.a > 1", "r")
Compare(line=1, column=5, op='>', left=Feature(line=1, column=1, name='x.a'), \
right=Literal(line=1, column=7, value=1.0, type=<Type.NUMBER: 'number'>))
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from riskline.rules.types import Type

__all__ = [
    "Between",
    "Binary",
    "Call",
    "Compare",
    "Feature",
    "InItems",
    "Literal",
    "Logical",
    "Negate",
    "Node",
    "Not",
    "children",
    "features_of",
]


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every node; ``line``/``column`` are 1-based positions in the expression."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """A number, string, bool or duration constant."""

    value: float | str | bool
    type: Type


@dataclass(frozen=True, slots=True)
class Feature(Node):
    """A reference to a feature value, e.g. ``device.accounts_30d``."""

    name: str


@dataclass(frozen=True, slots=True)
class Negate(Node):
    """Arithmetic negation ``-x``."""

    operand: Node


@dataclass(frozen=True, slots=True)
class Not(Node):
    """Logical negation ``not x``."""

    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """Arithmetic ``+ - * /``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Compare(Node):
    """Comparison ``== != < <= > >=``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Logical(Node):
    """``and`` / ``or`` (three-valued, see the compiler)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class InItems(Node):
    """``x in [a, b, ...]`` (``negated`` for ``not in``)."""

    needle: Node
    items: tuple[Node, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Between(Node):
    """``x between lo and hi`` (inclusive; ``negated`` for ``not between``)."""

    value: Node
    low: Node
    high: Node
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A function call ``name(args...)``."""

    name: str
    args: tuple[Node, ...]


def children(node: Node) -> tuple[Node, ...]:
    """Direct sub-expressions of ``node``."""
    match node:
        case Negate(operand=o) | Not(operand=o):
            return (o,)
        case Binary(left=a, right=b) | Compare(left=a, right=b) | Logical(left=a, right=b):
            return (a, b)
        case InItems(needle=n, items=items):
            return (n, *items)
        case Between(value=v, low=lo, high=hi):
            return (v, lo, hi)
        case Call(args=args):
            return args
    return ()


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def features_of(node: Node) -> tuple[str, ...]:
    """Names of the features an expression reads, in first-use order, without repeats."""
    names = (n.name for n in _walk(node) if isinstance(n, Feature))
    return tuple(dict.fromkeys(names))
