"""Compile a type-checked AST into nested Python closures (no eval, exec or compile).

Missing values: a feature that is absent, None, NaN or of the wrong runtime type is
*missing* (``None``). Arithmetic, comparisons, ``in``, ``between`` and functions propagate
missing (division by zero is missing too); ``and``/``or``/``not`` use three-valued logic
(``false and missing`` is false, ``true or missing`` is true, ``not missing`` is missing).
A rule fires only when its expression is exactly true; test with ``is_missing(x)``.

>>> from riskline.rules import compile_expression
>>> e = compile_expression("a.x > 1 or a.y > 1", {"a.x": "number", "a.y": "number"})
>>> e({"a.y": 2}), e({"a.y": 0}) is None
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
from riskline.rules.functions import BETWEEN, BINARY, FUNCTIONS, NEGATE, Frame, Function
from riskline.rules.readers import reader
from riskline.rules.types import FeatureSchema, Type

__all__ = ["Evaluator", "compile_node"]

Evaluator = Callable[[Frame], object]
"""A compiled expression: frame in, value (None when missing) out."""


def compile_node(node: Node, schema: FeatureSchema) -> Evaluator:
    """Closure evaluating ``node``; ``node`` must already have passed :func:`check`."""
    match node:
        case Literal(value=value):
            return lambda fr: value
        case Feature(name=name):
            return reader(name, Type.from_feature(schema[name]))
        case Not(operand=o):
            return _not(compile_node(o, schema))
        case Logical(op=op, left=a, right=b):
            make = _and if op == "and" else _or
            return make(compile_node(a, schema), compile_node(b, schema))
        case Negate(operand=o):
            return _strict(NEGATE, [compile_node(o, schema)])
        case Binary(op=op, left=a, right=b) | Compare(op=op, left=a, right=b):
            return _strict(BINARY[op], [compile_node(a, schema), compile_node(b, schema)])
        case InItems():
            return _membership(node, schema)
        case Between(value=v, low=lo, high=hi, negated=neg):
            inner = _strict(BETWEEN, [compile_node(x, schema) for x in (v, lo, hi)])
            return _not(inner) if neg else inner
        case Call(name=name, args=args):
            return _call(FUNCTIONS[name], [compile_node(a, schema) for a in args])
    raise TypeError(f"cannot compile {type(node).__name__}")


def _not(inner: Evaluator) -> Evaluator:
    def f(fr: Frame) -> object:
        v = inner(fr)
        return None if v is None else not v

    return f


def _and(a: Evaluator, b: Evaluator) -> Evaluator:
    def f(fr: Frame) -> object:
        x = a(fr)
        if x is False:
            return False
        y = b(fr)
        if y is False:
            return False
        return None if x is None or y is None else True

    return f


def _or(a: Evaluator, b: Evaluator) -> Evaluator:
    def f(fr: Frame) -> object:
        x = a(fr)
        if x is True:
            return True
        y = b(fr)
        if y is True:
            return True
        return None if x is None or y is None else False

    return f


def _strict(fn: Function, args: Sequence[Evaluator], frame_first: bool = False) -> Evaluator:
    """Call ``fn.impl`` unless an argument is missing (specialised for small arities)."""
    impl = fn.impl
    if frame_first:
        return _strict_framed(impl, args)
    if len(args) == 1:
        (a,) = args
        return lambda fr: None if (x := a(fr)) is None else impl(x)
    if len(args) == 2:
        a, b = args

        def f2(fr: Frame) -> object:
            x = a(fr)
            if x is None:
                return None
            y = b(fr)
            return None if y is None else impl(x, y)

        return f2
    if len(args) == 3:
        a, b, c = args

        def f3(fr: Frame) -> object:
            x, y, z = a(fr), b(fr), c(fr)
            return None if x is None or y is None or z is None else impl(x, y, z)

        return f3
    return _strict_n(impl, args)


def _strict_n(impl: Callable[..., object], args: Sequence[Evaluator]) -> Evaluator:
    def fn(fr: Frame) -> object:
        vals = [arg(fr) for arg in args]
        # values are normalised (float/int/str/bool), so ``None in vals`` is an identity test
        return None if None in vals else impl(*vals)

    return fn


def _strict_framed(impl: Callable[..., object], args: Sequence[Evaluator]) -> Evaluator:
    if len(args) == 1:
        (a,) = args
        return lambda fr: None if (x := a(fr)) is None else impl(fr, x)
    if len(args) == 3:
        a, b, c = args

        def f3(fr: Frame) -> object:
            x, y, z = a(fr), b(fr), c(fr)
            return None if x is None or y is None or z is None else impl(fr, x, y, z)

        return f3
    return lambda fr: None if None in (vals := [arg(fr) for arg in args]) else impl(fr, *vals)


def _call(fn: Function, args: Sequence[Evaluator]) -> Evaluator:
    impl = fn.impl
    if fn.strict:
        return _strict(fn, args, frame_first=fn.needs_frame)
    if fn.needs_frame:
        return lambda fr: impl(fr, *[arg(fr) for arg in args])
    if len(args) == 1:
        (a,) = args
        return lambda fr: impl(a(fr))
    return lambda fr: impl(*[arg(fr) for arg in args])


def _membership(node: InItems, schema: FeatureSchema) -> Evaluator:
    needle = compile_node(node.needle, schema)
    if all(isinstance(i, Literal) for i in node.items):
        pool = frozenset(i.value for i in node.items if isinstance(i, Literal))

        def fixed(fr: Frame) -> object:
            v = needle(fr)
            return None if v is None else v in pool

        return _not(fixed) if node.negated else fixed
    items = [compile_node(i, schema) for i in node.items]

    def dynamic(fr: Frame) -> object:
        v = needle(fr)
        return None if v is None else any(v == item(fr) for item in items)

    return _not(dynamic) if node.negated else dynamic
