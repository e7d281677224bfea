"""Translate a checked AST into a polars expression, for evaluating rules over a whole frame.

Same semantics as the closure compiler: feature columns are normalised to missing (null)
the same way the row readers do, polars' boolean ``& | ~`` are three-valued like ours.
Functions without a polars translation (``in_list``) raise :class:`NotVectorisable`; the
backtest then evaluates that rule row by row.

>>> import polars as pl
>>> from riskline.rules.parser import parse
>>> df = pl.DataFrame({"a.x": [1.0, 5.0, None]})
>>> expr = to_polars(parse("a.x > 2", "r"), {"a.x": "number"}, df.schema, pl.lit(0.0))
>>> df.select(expr.alias("hit"))["hit"].to_list()
[False, True, None]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

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
from riskline.rules.functions import BETWEEN, BINARY, FUNCTIONS, NEGATE
from riskline.rules.types import FeatureSchema, Type

__all__ = ["NotVectorisable", "feature_column", "to_polars"]

_DTYPES = {
    Type.NUMBER: pl.Float64,
    Type.TIME: pl.Float64,
    Type.STRING: pl.String,
    Type.BOOL: pl.Boolean,
}


def _constant(value: float | str | bool | None, dtype: Any) -> pl.Expr:
    """A constant as a full-height column.

    Scalar literals would be cheaper, but polars 2.1 constant-folds ``when(scalar)`` mixed
    with column branches into results of the wrong length (seen with ``(0 / 0) in [a.m]``).
    """
    return pl.repeat(value, pl.len(), dtype=dtype, eager=False)


class NotVectorisable(Exception):
    """The expression uses something with no polars translation."""


def feature_column(name: str, kind: Type, dtype: Any | None) -> pl.Expr:
    """Column ``name`` in the DSL runtime form (null wherever the row reader reads missing)."""
    col = pl.col(name)
    if dtype is None:
        return _constant(None, _DTYPES[kind])
    if kind is Type.TIME and isinstance(dtype, pl.Datetime):
        return col.dt.epoch("us").cast(pl.Float64) / 1_000_000.0
    if kind in (Type.NUMBER, Type.TIME) and (dtype.is_numeric() or dtype == pl.Boolean):
        if kind is Type.TIME and dtype == pl.Boolean:
            return _constant(None, pl.Float64)
        return col.cast(pl.Float64).fill_nan(None)
    if kind is Type.STRING and dtype in (pl.String, pl.Categorical):
        return col.cast(pl.String)
    if kind is Type.BOOL and dtype == pl.Boolean:
        return col
    if kind is Type.BOOL and dtype.is_numeric():
        as_float = col.cast(pl.Float64)
        return pl.when(as_float == 1.0).then(True).when(as_float == 0.0).then(False)
    return _constant(None, _DTYPES[kind])


class _Translator:
    """Walks the AST building one polars expression."""

    def __init__(self, schema: FeatureSchema, columns: Mapping[str, Any], now: pl.Expr) -> None:
        self.schema = schema
        self.columns = columns
        self.now = now

    def expr(self, node: Node) -> pl.Expr:
        match node:
            case Literal(value=value, type=t):
                return _constant(value, _DTYPES.get(t, pl.Float64))
            case Feature(name=name):
                kind = Type.from_feature(self.schema[name])
                return feature_column(name, kind, self.columns.get(name))
            case Not(operand=o):
                return ~self.expr(o)
            case Logical(op=op, left=a, right=b):
                return self.expr(a) & self.expr(b) if op == "and" else self.expr(a) | self.expr(b)
            case Negate(operand=o):
                return self.apply(NEGATE.vector, [o])
            case Binary(op=op, left=a, right=b) | Compare(op=op, left=a, right=b):
                return self.apply(BINARY[op].vector, [a, b])
            case InItems():
                return self.membership(node)
            case Between(value=v, low=lo, high=hi, negated=neg):
                inner = self.apply(BETWEEN.vector, [v, lo, hi])
                return ~inner if neg else inner
            case Call(name=name, args=args):
                return self.apply(FUNCTIONS[name].vector, list(args), name)
        raise NotVectorisable(type(node).__name__)

    def apply(self, vector: Any, args: list[Node], name: str = "operator") -> pl.Expr:
        if vector is None:
            raise NotVectorisable(name)
        result: pl.Expr = vector([self.expr(a) for a in args], self.now)
        return result

    def membership(self, node: InItems) -> pl.Expr:
        needle = self.expr(node.needle)
        if not node.items:
            found = _constant(False, pl.Boolean)
        else:
            matches = [(needle == self.expr(i)).fill_null(False) for i in node.items]
            found = pl.any_horizontal(matches)
        result = pl.when(needle.is_null()).then(None).otherwise(found)
        return ~result if node.negated else result


def to_polars(
    tree: Node, schema: FeatureSchema, columns: Mapping[str, Any], now: pl.Expr
) -> pl.Expr:
    """Polars expression for a checked AST over a frame with ``columns`` (name -> dtype).

    ``now`` gives the evaluation time in epoch seconds (a literal or a per-row column).
    """
    return _Translator(schema, columns, now).expr(tree)
