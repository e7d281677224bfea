"""Parse, type-check and compile one expression: the entry point for single expressions.

>>> e = compile_expression("d.accounts_30d >= 4 and a.age_days < 7",
...                        {"d.accounts_30d": "number", "a.age_days": "number"})
>>> e.type, e.features
(<Type.BOOL: 'bool'>, ('d.accounts_30d', 'a.age_days'))
>>> e({"d.accounts_30d": 5, "a.age_days": 2})
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from riskline.rules.ast import Node, features_of
from riskline.rules.checker import check
from riskline.rules.compiler import Evaluator, compile_node
from riskline.rules.errors import RuleError
from riskline.rules.functions import Frame
from riskline.rules.lists import EmptyLists, ListLookup
from riskline.rules.parser import parse
from riskline.rules.types import FeatureSchema, Type

__all__ = ["CompiledExpression", "compile_expression"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CompiledExpression:
    """A checked, compiled expression with its source, AST, type and the features it reads."""

    source: str
    tree: Node
    type: Type
    features: tuple[str, ...]
    evaluate: Evaluator = field(repr=False, compare=False)
    schema: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    """The declared types of the features read (for the vectorised backtest)."""

    def __call__(
        self,
        values: Mapping[str, object],
        lists: ListLookup | None = None,
        now: datetime | None = None,
    ) -> object:
        """Evaluate on ``values``; None means missing. ``now`` defaults to the Unix epoch."""
        frame = Frame(values, lists or EmptyLists(), now or _EPOCH)
        return self.evaluate(frame)


def compile_expression(
    source: str,
    schema: FeatureSchema,
    rule_id: str = "expr",
    expect: Type | None = None,
) -> CompiledExpression:
    """Parse, type-check (optionally requiring type ``expect``) and compile ``source``."""
    if not isinstance(source, str):
        raise RuleError("expression must be text", rule_id=rule_id, source="", line=1, column=1)
    tree = parse(source, rule_id)
    kind = check(tree, schema, rule_id, source)
    if expect is not None and kind is not expect:
        raise RuleError(
            f"expression must be a {expect}, got {kind}",
            rule_id=rule_id,
            source=source,
            line=tree.line,
            column=tree.column,
        )
    read = features_of(tree)
    used = {name: schema[name] for name in read}
    return CompiledExpression(source, tree, kind, read, compile_node(tree, schema), used)
