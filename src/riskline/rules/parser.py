"""Recursive-descent parser for the rules DSL.

Precedence, loosest first: ``or``, ``and``, ``not``, comparisons / ``in`` / ``between``
(not chainable), ``+ -``, ``* /``, unary ``-``, then literals, features, calls and parentheses.

>>> parse("not (a.x between 1 and 2)", "r").operand.low.value
1.0
"""

from __future__ import annotations

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
    children,
)
from riskline.rules.errors import RuleError
from riskline.rules.lexer import Kind, Token, tokenize
from riskline.rules.types import Type

__all__ = ["MAX_DEPTH", "parse"]

MAX_DEPTH = 64
"""Deepest expression nesting accepted."""

_COMPARE = frozenset({"==", "!=", "<", "<=", ">", ">="})
_LITERALS = {Kind.NUMBER: Type.NUMBER, Kind.DURATION: Type.DURATION, Kind.STRING: Type.STRING}


class _Parser:
    """Holds the token stream and the nesting depth."""

    def __init__(self, source: str, rule_id: str) -> None:
        self.source = source
        self.rule_id = rule_id
        self.tokens = tokenize(source, rule_id)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def fail(self, message: str, tok: Token | Node | None = None) -> RuleError:
        at = tok if tok is not None else self.tok
        return RuleError(
            message, rule_id=self.rule_id, source=self.source, line=at.line, column=at.column
        )

    def at_end(self) -> bool:
        return self.tok.kind is Kind.END

    def at(self, text: str) -> bool:
        return self.tok.kind in (Kind.OP, Kind.KEYWORD) and self.tok.text == text

    def advance(self) -> Token:
        tok = self.tok
        self.i += 1
        return tok

    def expect(self, text: str) -> Token:
        if not self.at(text):
            raise self.fail(f"expected '{text}' but found {_describe(self.tok)}")
        return self.advance()

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"expression nested deeper than {MAX_DEPTH} levels")

    def expression(self) -> Node:
        """expression := conjunction ('or' conjunction)*"""
        left = self.conjunction()
        while self.at("or"):
            op = self.advance()
            left = Logical(op.line, op.column, "or", left, self.conjunction())
        return left

    def conjunction(self) -> Node:
        """conjunction := negation ('and' negation)*"""
        left = self.negation()
        while self.at("and"):
            op = self.advance()
            left = Logical(op.line, op.column, "and", left, self.negation())
        return left

    def negation(self) -> Node:
        """negation := 'not' negation | comparison"""
        if not self.at("not"):
            return self.comparison()
        op = self.advance()
        self.nested()
        node = Not(op.line, op.column, self.negation())
        self.depth -= 1
        return node

    def comparison(self) -> Node:
        """comparison := additive [comparison_tail] (never chained)"""
        left = self.additive()
        node = self.comparison_tail(left)
        if node is not left and (self.tok.text in _COMPARE or self.at("in") or self.at("between")):
            raise self.fail("comparisons cannot be chained; combine them with 'and'")
        return node

    def comparison_tail(self, left: Node) -> Node:
        """tail := op additive | ['not'] 'in' items | ['not'] 'between' additive 'and' additive"""
        if self.tok.kind is Kind.OP and self.tok.text in _COMPARE:
            op = self.advance()
            return Compare(op.line, op.column, op.text, left, self.additive())
        negated = self.at("not") and self.tokens[self.i + 1].text in ("in", "between")
        if negated:
            self.advance()
        if self.at("in"):
            op = self.advance()
            return InItems(op.line, op.column, left, self.items(), negated)
        if self.at("between"):
            op = self.advance()
            low = self.additive()
            self.expect("and")
            return Between(op.line, op.column, left, low, self.additive(), negated)
        return left

    def items(self) -> tuple[Node, ...]:
        """items := '[' [additive (',' additive)* [',']] ']'"""
        self.expect("[")
        found: list[Node] = []
        while not self.at("]"):
            found.append(self.additive())
            if not self.at("]"):
                self.expect(",")
        self.advance()
        return tuple(found)

    def additive(self) -> Node:
        """additive := term (('+' | '-') term)*"""
        left = self.term()
        while self.at("+") or self.at("-"):
            op = self.advance()
            left = Binary(op.line, op.column, op.text, left, self.term())
        return left

    def term(self) -> Node:
        """term := unary (('*' | '/') unary)*"""
        left = self.unary()
        while self.at("*") or self.at("/"):
            op = self.advance()
            left = Binary(op.line, op.column, op.text, left, self.unary())
        return left

    def unary(self) -> Node:
        """unary := '-' unary | primary"""
        if not self.at("-"):
            return self.primary()
        op = self.advance()
        self.nested()
        node = Negate(op.line, op.column, self.unary())
        self.depth -= 1
        return node

    def primary(self) -> Node:
        """primary := literal | 'true' | 'false' | name [call] | '(' expression ')'"""
        tok = self.tok
        if tok.kind in _LITERALS:
            self.advance()
            assert tok.value is not None
            return Literal(tok.line, tok.column, tok.value, _LITERALS[tok.kind])
        if self.at("true") or self.at("false"):
            self.advance()
            return Literal(tok.line, tok.column, tok.text == "true", Type.BOOL)
        if tok.kind is Kind.NAME:
            self.advance()
            if self.at("("):
                return self.call(tok)
            return Feature(tok.line, tok.column, tok.text)
        if self.at("("):
            return self.parenthesised()
        raise self.fail(f"expected a value but found {_describe(tok)}")

    def parenthesised(self) -> Node:
        """'(' expression ')'"""
        self.advance()
        self.nested()
        node = self.expression()
        self.expect(")")
        self.depth -= 1
        return node

    def call(self, name: Token) -> Node:
        """call := name '(' [expression (',' expression)*] ')'"""
        self.advance()
        self.nested()
        args: list[Node] = []
        while not self.at(")"):
            args.append(self.expression())
            if not self.at(")"):
                self.expect(",")
        self.advance()
        self.depth -= 1
        return Call(name.line, name.column, name.text, tuple(args))


def _describe(tok: Token) -> str:
    return "end of expression" if tok.kind is Kind.END else f"'{tok.text}'"


def _check_depth(parser: _Parser, root: Node) -> None:
    """Reject trees deeper than MAX_DEPTH (long operator chains), iteratively."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise parser.fail(f"expression nested deeper than {MAX_DEPTH} levels", node)
        stack.extend((child, depth + 1) for child in children(node))


def parse(source: str, rule_id: str) -> Node:
    """Parse one expression into an AST; ``RuleError`` with line and column on bad input."""
    parser = _Parser(source, rule_id)
    if parser.at_end():
        raise parser.fail("empty expression")
    node = parser.expression()
    if not parser.at_end():
        raise parser.fail(f"unexpected {_describe(parser.tok)} after a complete expression")
    _check_depth(parser, node)
    return node
