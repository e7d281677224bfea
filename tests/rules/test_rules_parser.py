"""Lexer and parser: structure, precedence, positions and error messages."""

from __future__ import annotations

import pytest

from riskline.rules import RuleError
from riskline.rules.ast import (
    Between,
    Binary,
    Call,
    Compare,
    Feature,
    InItems,
    Literal,
    Logical,
    Not,
)
from riskline.rules.lexer import Kind, tokenize
from riskline.rules.parser import MAX_DEPTH, parse
from riskline.rules.types import Type


def test_tokens_carry_line_and_column() -> None:
    toks = tokenize("a.b >= 4\n  and x", "r")
    assert [(t.text, t.line, t.column) for t in toks[:-1]] == [
        ("a.b", 1, 1),
        (">=", 1, 5),
        ("4", 1, 8),
        ("and", 2, 3),
        ("x", 2, 7),
    ]
    assert toks[-1].kind is Kind.END


def test_literals_are_decoded() -> None:
    toks = tokenize(r"30d 1.5h 2w 10s 5m 1e3 'it\'s' " + '"a\\nb"', "r")
    assert [t.value for t in toks[:-1]] == [
        2_592_000.0,
        5400.0,
        1_209_600.0,
        10.0,
        300.0,
        1000.0,
        "it's",
        "a\nb",
    ]
    assert [t.kind for t in toks[:4]] == [Kind.DURATION] * 4


def test_and_binds_tighter_than_or() -> None:
    tree = parse("a or b and c", "r")
    assert isinstance(tree, Logical)
    assert tree.op == "or"
    assert isinstance(tree.right, Logical)
    assert tree.right.op == "and"


def test_arithmetic_precedence_and_left_associativity() -> None:
    tree = parse("a - b - c * d", "r")
    assert isinstance(tree, Binary)
    assert tree.op == "-"
    assert isinstance(tree.left, Binary)
    assert tree.left.op == "-"
    assert isinstance(tree.right, Binary)
    assert tree.right.op == "*"


def test_not_applies_to_the_whole_comparison() -> None:
    tree = parse("not a > 1 and b", "r")
    assert isinstance(tree, Logical)
    assert tree.op == "and"
    assert isinstance(tree.left, Not)
    assert isinstance(tree.left.operand, Compare)


def test_between_consumes_its_own_and() -> None:
    tree = parse("x between 1 and 2 and y", "r")
    assert isinstance(tree, Logical)
    assert isinstance(tree.left, Between)
    assert tree.left.low == Literal(1, 11, 1.0, Type.NUMBER)


def test_not_in_and_not_between() -> None:
    a = parse("x not in ['a', 'b',]", "r")
    b = parse("x not between 1 and 2", "r")
    assert isinstance(a, InItems)
    assert a.negated
    assert len(a.items) == 2
    assert isinstance(b, Between)
    assert b.negated


def test_call_with_dotted_feature_argument() -> None:
    tree = parse('in_list("block", "device", event.device_id)', "r")
    assert isinstance(tree, Call)
    assert tree.name == "in_list"
    assert tree.args[2] == Feature(1, 28, "event.device_id")


def test_empty_list_and_zero_arg_call() -> None:
    assert parse("x in []", "r") == InItems(1, 3, Feature(1, 1, "x"), ())
    assert parse("now()", "r") == Call(1, 1, "now", ())


@pytest.mark.parametrize(
    ("source", "line", "column", "fragment"),
    [
        ("a >", 1, 4, "expected a value but found end of expression"),
        ("a < b < c", 1, 7, "cannot be chained"),
        ("a = 1", 1, 3, "use '=='"),
        ("a && b", 1, 3, "use 'and'"),
        ("(a > 1", 1, 7, "expected ')'"),
        ("f(a,", 1, 5, "expected a value"),
        ("a b", 1, 3, "unexpected 'b'"),
        ("x > 30x", 1, 5, "bad number or duration literal '30x'"),
        ("x > 1.2.3", 1, 5, "bad number or duration literal"),
        ("x > 1e999", 1, 5, "out of range"),
        ("x == 'abc", 1, 6, "unterminated string"),
        (r"x == 'a\qb'", 1, 8, "bad escape"),
        ("a.1b > 1", 1, 1, "bad name"),
        ("a > 1 and\n  b >", 2, 6, "expected a value"),
        ("", 1, 1, "empty expression"),
        ("x in 3", 1, 6, "expected '['"),
        ("x > 1 ¥", 1, 7, "unexpected character"),
    ],
)
def test_errors_report_line_column_and_caret(
    source: str, line: int, column: int, fragment: str
) -> None:
    with pytest.raises(RuleError) as info:
        parse(source, "r7")
    err = info.value
    assert (err.rule_id, err.line, err.column) == ("r7", line, column)
    assert fragment in err.reason
    text = str(err)
    assert text.startswith(f"rule r7: line {line}, column {column}: ")
    caret_line = text.splitlines()[-1]
    assert caret_line.index("^") == 2 + column - 1


def test_error_is_invalid_input_with_details() -> None:
    from riskline.errors import InvalidInput

    with pytest.raises(InvalidInput) as info:
        parse("a >", "r")
    assert info.value.status == 422
    assert info.value.to_dict()["details"][0]["column"] == 4


@pytest.mark.parametrize(
    "source",
    [
        "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1),
        "not " * 500 + "a",
        "-" * 500 + "a",
        "+".join(["1"] * 500),
        "f(" * 200 + "a" + ")" * 200,
    ],
)
def test_deep_nesting_is_a_rule_error_not_a_crash(source: str) -> None:
    with pytest.raises(RuleError, match="nested deeper"):
        parse(source, "r")


def test_overlong_source_rejected() -> None:
    with pytest.raises(RuleError, match="longer than"):
        parse("a" * 10_001, "r")
