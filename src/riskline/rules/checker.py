"""Static type checking of an AST against the feature schema, before anything runs.

>>> from riskline.rules.parser import parse
>>> check(parse("a.x * 2 > 3", "r"), {"a.x": "number"}, "r", "a.x * 2 > 3")
<Type.BOOL: 'bool'>
"""

from __future__ import annotations

import difflib

from riskline.rules.ast import (
    Between,
    Binary,
    Call,
    Compare,
    Feature,
    InItems,
    Literal,
    Logical,
    Negate,
    Node,
    Not,
)
from riskline.rules.errors import RuleError
from riskline.rules.functions import BETWEEN, BINARY, FUNCTIONS, MEMBERSHIP, NEGATE
from riskline.rules.functions.base import Function, SignatureError
from riskline.rules.types import FeatureSchema, Type

__all__ = ["check"]


class _Checker:
    """Walks the tree once, computing each node's type."""

    def __init__(self, schema: FeatureSchema, rule_id: str, source: str) -> None:
        self.schema = schema
        self.rule_id = rule_id
        self.source = source

    def fail(self, message: str, node: Node) -> RuleError:
        return RuleError(
            message, rule_id=self.rule_id, source=self.source, line=node.line, column=node.column
        )

    def type_of(self, node: Node) -> Type:
        match node:
            case Literal(type=t):
                return t
            case Feature(name=name):
                return self.feature(node, name)
            case Not(operand=o):
                self.condition(o, "'not'")
                return Type.BOOL
            case Logical(op=op, left=a, right=b):
                self.condition(a, f"'{op}'")
                self.condition(b, f"'{op}'")
                return Type.BOOL
            case Negate(operand=o):
                return self.apply(NEGATE, node, (o,))
            case Binary(op=op, left=a, right=b) | Compare(op=op, left=a, right=b):
                return self.apply(BINARY[op], node, (a, b))
            case InItems(needle=n, items=items):
                return self.apply(MEMBERSHIP, node, (n, *items))
            case Between(value=v, low=lo, high=hi):
                return self.apply(BETWEEN, node, (v, lo, hi))
            case Call(name=name, args=args):
                return self.call(node, name, args)
        raise self.fail(f"unsupported expression {type(node).__name__}", node)

    def feature(self, node: Node, name: str) -> Type:
        declared = self.schema.get(name)
        if declared is None:
            close = difflib.get_close_matches(name, list(self.schema), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise self.fail(f"unknown feature '{name}'{hint}", node)
        try:
            return Type.from_feature(declared)
        except ValueError:
            raise self.fail(f"feature '{name}' has unsupported type {declared!r}", node) from None

    def condition(self, node: Node, where: str) -> None:
        got = self.type_of(node)
        if got is not Type.BOOL:
            raise self.fail(f"{where} needs a condition (bool), got {got}", node)

    def call(self, node: Node, name: str, args: tuple[Node, ...]) -> Type:
        fn = FUNCTIONS.get(name)
        if fn is None:
            close = difflib.get_close_matches(name, list(FUNCTIONS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise self.fail(f"unknown function '{name}'{hint}", node)
        if len(args) < fn.min_args or (fn.max_args is not None and len(args) > fn.max_args):
            raise self.fail(f"{name}() takes {_arity(fn)}, got {len(args)}", node)
        return self.apply(fn, node, args)

    def apply(self, fn: Function, node: Node, args: tuple[Node, ...]) -> Type:
        types = tuple(self.type_of(a) for a in args)
        try:
            return fn.type_rule(types, args)
        except SignatureError as err:
            at = args[err.index] if err.index is not None and err.index < len(args) else node
            raise self.fail(err.message, at) from None


def _arity(fn: Function) -> str:
    if fn.max_args is None:
        return f"at least {fn.min_args} argument(s)"
    if fn.min_args == fn.max_args:
        return f"{fn.min_args} argument(s)"
    return f"{fn.min_args} to {fn.max_args} arguments"


def check(node: Node, schema: FeatureSchema, rule_id: str, source: str) -> Type:
    """The static type of ``node``; ``RuleError`` (with position) on any type problem."""
    return _Checker(schema, rule_id, source).type_of(node)
