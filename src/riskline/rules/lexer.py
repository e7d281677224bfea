"""Tokeniser for the rules DSL: turns source text into positioned tokens.

>>> [t.text for t in tokenize("a.b >= 4 and x in ['p', 30d]", "r")][:-1]
['a.b', '>=', '4', 'and', 'x', 'in', '[', "'p'", ',', '30d', ']']
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

from riskline.rules.errors import RuleError

__all__ = ["DURATION_UNITS", "KEYWORDS", "MAX_SOURCE", "Kind", "Token", "tokenize"]

MAX_SOURCE = 10_000
"""Longest expression accepted, in characters."""

KEYWORDS = frozenset({"and", "or", "not", "in", "between", "true", "false"})
DURATION_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}

_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t"}
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[A-Za-z_0-9.]*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*)*")
_WORD_TAIL = re.compile(r"[A-Za-z_0-9.]*")
_OPS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",")


class Kind(StrEnum):
    """Token kinds."""

    NUMBER = "number"
    DURATION = "duration"
    STRING = "string"
    NAME = "name"
    KEYWORD = "keyword"
    OP = "op"
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    """One token with its 1-based line and column and, for literals, its value."""

    kind: Kind
    text: str
    line: int
    column: int
    value: float | str | None = None


class _Scanner:
    """Walks the source once, tracking line and column."""

    def __init__(self, source: str, rule_id: str) -> None:
        self.src = source
        self.rule_id = rule_id
        self.pos = 0
        self.line = 1
        self.line_start = 0

    def fail(self, message: str, pos: int | None = None) -> RuleError:
        at = self.pos if pos is None else pos
        column = at - self.src.rfind("\n", 0, at)
        line = self.src.count("\n", 0, at) + 1
        return RuleError(message, rule_id=self.rule_id, source=self.src, line=line, column=column)

    def token(self, kind: Kind, end: int, value: float | str | None = None) -> Token:
        col = self.pos - self.line_start + 1
        tok = Token(kind, self.src[self.pos : end], self.line, col, value)
        self.pos = end
        return tok

    def skip_space(self) -> None:
        while self.pos < len(self.src) and self.src[self.pos] in " \t\r\n":
            if self.src[self.pos] == "\n":
                self.line += 1
                self.line_start = self.pos + 1
            self.pos += 1

    def number(self) -> Token:
        m = _NUMBER.match(self.src, self.pos)
        assert m is not None
        text = m.group()
        digits = re.match(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?", text)
        assert digits is not None
        head, unit = digits.group(), text[digits.end() :]
        if unit and unit not in DURATION_UNITS:
            raise self.fail(f"bad number or duration literal '{text}' (units: s, m, h, d, w)")
        value = float(head)
        if not math.isfinite(value):
            raise self.fail(f"number literal '{text}' is out of range")
        if unit:
            return self.token(Kind.DURATION, m.end(), value * DURATION_UNITS[unit])
        return self.token(Kind.NUMBER, m.end(), value)

    def string(self) -> Token:
        quote, i, out = self.src[self.pos], self.pos + 1, []
        while i < len(self.src) and self.src[i] != quote:
            ch = self.src[i]
            if ch == "\n":
                break
            if ch == "\\":
                esc = self.src[i + 1 : i + 2]
                if esc not in _ESCAPES:
                    raise self.fail(f"bad escape '\\{esc}' in string literal", i)
                out.append(_ESCAPES[esc])
                i += 2
                continue
            out.append(ch)
            i += 1
        if i >= len(self.src) or self.src[i] != quote:
            raise self.fail("unterminated string literal")
        return self.token(Kind.STRING, i + 1, "".join(out))

    def name(self) -> Token:
        m = _NAME.match(self.src, self.pos)
        assert m is not None
        tail = _WORD_TAIL.match(self.src, m.end())
        if tail is not None and tail.group():
            raise self.fail(f"bad name '{m.group()}{tail.group()}'")
        kind = Kind.KEYWORD if m.group() in KEYWORDS else Kind.NAME
        return self.token(kind, m.end())

    def op(self) -> Token:
        for op in _OPS:
            if self.src.startswith(op, self.pos):
                return self.token(Kind.OP, self.pos + len(op))
        ch = self.src[self.pos]
        if ch == "=":
            raise self.fail("'=' is not an operator; use '==' to compare")
        if ch in "&|!":
            raise self.fail(f"'{ch}' is not an operator; use 'and', 'or', 'not'")
        raise self.fail(f"unexpected character {ch!r}")

    def next(self) -> Token:
        self.skip_space()
        if self.pos >= len(self.src):
            return self.token(Kind.END, self.pos)
        ch = self.src[self.pos]
        if ch.isascii() and ch.isdigit():
            return self.number()
        if ch in "'\"":
            return self.string()
        if ch.isascii() and (ch.isalpha() or ch == "_"):
            return self.name()
        return self.op()


def tokenize(source: str, rule_id: str) -> list[Token]:
    """All tokens of ``source``, ending with an END token; ``RuleError`` on bad input."""
    scanner = _Scanner(source, rule_id)
    if len(source) > MAX_SOURCE:
        raise scanner.fail(f"expression longer than {MAX_SOURCE} characters", 0)
    tokens = [scanner.next()]
    while tokens[-1].kind is not Kind.END:
        tokens.append(scanner.next())
    return tokens
