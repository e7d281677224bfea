"""Errors raised while loading or checking rules.

>>> err = RuleError("unknown feature 'x.y'", rule_id="r1", source="x.y > 1", line=1, column=1)
>>> print(err)
rule r1: line 1, column 1: unknown feature 'x.y'
  x.y > 1
  ^
"""

from __future__ import annotations

from riskline.errors import InvalidInput

__all__ = ["RuleError", "RuleSetError"]


def caret_excerpt(source: str, line: int, column: int) -> str:
    """The offending source line with a caret under ``column`` (both 1-based)."""
    lines = source.splitlines() or [""]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    text = text.expandtabs(1)
    return f"  {text}\n  {' ' * max(column - 1, 0)}^"


class RuleError(InvalidInput):
    """A rule expression failed to lex, parse or type-check."""

    code = "invalid_rule"

    def __init__(self, message: str, *, rule_id: str, source: str, line: int, column: int) -> None:
        self.reason = message
        self.rule_id = rule_id
        self.source = source
        self.line = line
        self.column = column
        text = f"rule {rule_id}: line {line}, column {column}: {message}"
        full = f"{text}\n{caret_excerpt(source, line, column)}"
        loc = {"loc": ["rules", rule_id, "when"], "msg": message, "type": "rule_error"}
        super().__init__(full, details=[{**loc, "line": line, "column": column}])


class RuleSetError(InvalidInput):
    """A rule set file is malformed (structure, duplicate ids, unknown keys, bad values)."""

    code = "invalid_ruleset"
