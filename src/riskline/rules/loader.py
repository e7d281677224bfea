"""Load a rule set from YAML, validating every field and compiling every expression.

All problems in a file are collected and raised together as one :class:`RuleSetError`.

>>> load_ruleset_text("version: 1\\nrules: []\\nextra: 2", {})
Traceback (most recent call last):
...
riskline.rules.errors.RuleSetError: <text>: 1 problem(s):
  - line 3: unknown key 'extra' (allowed: description, rules, version)
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from riskline.events.codec import EVENT_TYPES
from riskline.rules.errors import RuleError, RuleSetError
from riskline.rules.expression import compile_expression
from riskline.rules.ruleset import Mode, Outcome, Rule, RuleSet
from riskline.rules.types import FeatureSchema, Type

__all__ = ["EXAMPLE_RULESET", "Problem", "load_ruleset", "load_ruleset_text", "problems"]

EXAMPLE_RULESET = Path(__file__).parent / "examples" / "baseline.yaml"
"""An example rule set over the default feature catalog and the graph signals."""

_TOP_KEYS = frozenset({"version", "description", "rules"})
_RULE_KEYS = frozenset(
    {
        "id",
        "description",
        "when",
        "events",
        "outcome",
        "score",
        "reason_code",
        "text_key",
        "mode",
        "owner",
    }
)
_REQUIRED = ("id", "when", "reason_code", "text_key", "owner")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")


class _Map(dict[str, Any]):
    """A YAML mapping that remembers the line it started on."""

    line = 0
    key_lines: dict[str, int]
    value_lines: dict[str, int]
    value_columns: dict[str, int]
    """1-based column where an inline value's text starts (0 for a block scalar)."""


_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when available (PyYAML's pure scanner is quadratic on deep nesting)."""


class _Loader(_Base):  # type: ignore[misc]
    """Safe loader that rejects duplicate keys and records mapping lines."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Map:
    out = _Map()
    out.line = node.start_mark.line + 1
    out.key_lines, out.value_lines, out.value_columns = {}, {}, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            line = key_node.start_mark.line + 1
            raise yaml.MarkedYAMLError(problem=f"keys must be text, got {key!r} (line {line})")
        if key in out:
            line = key_node.start_mark.line + 1
            raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r} (line {line})")
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
        block = getattr(value_node, "style", None) in ("|", ">")
        out.value_lines[key] = value_node.start_mark.line + 1 + int(block)
        quoted = getattr(value_node, "style", None) in ("'", '"')
        out.value_columns[key] = 0 if block else value_node.start_mark.column + 1 + int(quoted)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _line(obj: object, key: str | None = None) -> int:
    """File line of a mapping, or of one of its keys."""
    if not isinstance(obj, _Map):
        return 0
    return obj.key_lines.get(key, obj.line) if key is not None else obj.line


def _value_line(obj: object, key: str) -> int:
    """File line where the value of ``key`` starts (0 if unknown)."""
    return obj.value_lines.get(key, 0) if isinstance(obj, _Map) else 0


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of a rule-set document at a 1-based line and column (0: unknown)."""

    line: int
    column: int
    message: str
    indent_of: int = 0
    """While collecting: a negative column counts from this line's indentation."""


class _Problems:
    """Accumulates problems with their file lines (and columns where known)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.found: list[Problem] = []

    def add(
        self, line: int, message: str, column: int = 0, short: str = "", indent_of: int = 0
    ) -> None:
        self.items.append(f"line {line}: {message}" if line else message)
        self.found.append(Problem(line, column if line else 0, short or message, indent_of))

    def unknown_keys(self, obj: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
        for key in obj:
            if key not in allowed:
                allowed_text = ", ".join(sorted(allowed))
                self.add(_line(obj, key), f"{where}unknown key {key!r} (allowed: {allowed_text})")


def _enum(raw: Mapping[str, Any], key: str, kind: type[Any], problems: _Problems, ctx: str) -> Any:
    value = raw.get(key, "active")
    if isinstance(value, str) and value in {m.value for m in kind}:
        return kind(value)
    choices = " | ".join(m.value for m in kind)
    problems.add(_line(raw, key), f"{ctx}: bad {kind.__name__.lower()} {value!r} (use {choices})")
    return None


def _score(raw: Mapping[str, Any], problems: _Problems, ctx: str) -> float | None:
    value = raw.get("score")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.add(_line(raw, "score"), f"{ctx}: score must be a finite number, got {value!r}")
        return None
    return float(value)


def _events(raw: Mapping[str, Any], problems: _Problems, ctx: str) -> frozenset[str]:
    value = raw.get("events")
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        problems.add(
            _line(raw, "events"),
            f"{ctx}: 'events' must be a non-empty list of event types such as [payment], "
            f"got {value!r}",
        )
        return frozenset()
    unknown = sorted(set(value) - set(EVENT_TYPES))
    if unknown:
        known = ", ".join(sorted(EVENT_TYPES))
        problems.add(_line(raw, "events"), f"{ctx}: unknown event types {unknown} (known: {known})")
        return frozenset()
    return frozenset(value)


def _text_fields(raw: Mapping[str, Any], problems: _Problems, ctx: str) -> bool:
    ok = True
    for key in (*_REQUIRED, "description"):
        value = raw.get(key, "")
        if not isinstance(value, str) or (key in _REQUIRED and not value.strip()):
            problems.add(_line(raw, key), f"{ctx}: '{key}' must be a non-empty string")
            ok = False
    return ok


def _when_column(raw: Mapping[str, Any], err: RuleError) -> int:
    """The file column of a ``when`` expression's error: inline on the key's line, else the
    block's indentation plus the column in the expression (filled in by :func:`problems`)."""
    inline = raw.value_columns.get("when", 0) if isinstance(raw, _Map) else 0
    if inline and err.line == 1:
        return inline + err.column - 1
    return -err.column  # relative to the block's indentation


def _rule(raw: object, schema: FeatureSchema, problems: _Problems, index: int) -> Rule | None:
    if not isinstance(raw, Mapping):
        problems.add(0, f"rules[{index}]: each rule must be a mapping")
        return None
    ctx = f"rule {raw.get('id', f'#{index}')!r}"
    problems.unknown_keys(raw, _RULE_KEYS, f"{ctx}: ")
    if not _text_fields(raw, problems, ctx):
        return None
    if not _ID.fullmatch(raw["id"]) or not _ID.fullmatch(raw["reason_code"]):
        problems.add(_line(raw), f"{ctx}: id and reason_code must match {_ID.pattern}")
    mode = _enum(raw, "mode", Mode, problems, ctx)
    outcome = None if raw.get("outcome") is None else _enum(raw, "outcome", Outcome, problems, ctx)
    score = _score(raw, problems, ctx)
    events = _events(raw, problems, ctx)
    if raw.get("outcome") is None and raw.get("score") is None:
        problems.add(_line(raw), f"{ctx}: give an outcome, a score, or both")
    try:
        when = compile_expression(raw["when"], schema, raw["id"], expect=Type.BOOL)
    except RuleError as err:
        start = _value_line(raw, "when")
        line = start + err.line - 1 if start else 0
        short = f"rule {err.rule_id}: {err.reason}"
        problems.add(line, str(err), _when_column(raw, err), short, start)
        return None
    if mode is None or (raw.get("outcome") is not None and outcome is None):
        return None
    fields = {k: raw[k] for k in ("id", "reason_code", "text_key", "owner")}
    desc = raw.get("description", "")
    return Rule(
        **fields,
        when=when,
        mode=mode,
        outcome=outcome,
        score=score,
        description=desc,
        events=events,
    )


def _ruleset(doc: object, schema: FeatureSchema, problems: _Problems) -> RuleSet | None:
    if not isinstance(doc, Mapping):
        problems.add(0, "a rule set must be a mapping with 'version' and 'rules'")
        return None
    problems.unknown_keys(doc, _TOP_KEYS, "")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, str | int | float) or version == "":
        problems.add(_line(doc), "'version' is required (a string such as \"2026-11-28.1\")")
    raw_rules = doc.get("rules")
    if not isinstance(raw_rules, list):
        problems.add(_line(doc), "'rules' must be a list")
        return None
    rules = [_rule(raw, schema, problems, i) for i, raw in enumerate(raw_rules)]
    seen: set[str] = set()
    for raw in raw_rules:
        rule_id = raw.get("id") if isinstance(raw, Mapping) else None
        if not isinstance(rule_id, str):
            continue
        if rule_id in seen:
            problems.add(_line(raw, "id"), f"duplicate rule id {rule_id!r}")
        seen.add(rule_id)
    if problems.items:
        return None
    desc = doc.get("description", "")
    return RuleSet(str(version), tuple(r for r in rules if r is not None), str(desc or ""))


def problems(text: str, schema: FeatureSchema) -> list[Problem]:
    """Every problem of a rule-set document with its line and column (empty: it loads), for
    an editor to put a caret under.

    >>> p = problems("version: 1\\nrules:\\n  - {id: r, when: a >, reason_code: R, text_key: t,"
    ...              " owner: o, outcome: review}\\n", {"a": "number"})[0]
    >>> p.line, p.column, p.message  # the column of the end of 'a >'
    (3, 22, 'rule r: expected a value but found end of expression')
    """
    try:
        doc = yaml.load(text, Loader=_Loader)
    except (yaml.YAMLError, RecursionError) as err:
        mark = getattr(err, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        return [Problem(line, column, f"not valid YAML: {getattr(err, 'problem', err)}")]
    found = _Problems()
    _ruleset(doc, schema, found)
    lines = text.splitlines()
    out = []
    for p in found.found:
        column = p.column
        if column < 0 and 0 < p.indent_of <= len(lines):
            row = lines[p.indent_of - 1]
            column = len(row) - len(row.lstrip()) - column
        out.append(Problem(p.line, max(column, 1) if p.line else 0, p.message))
    return out


def load_ruleset_text(text: str, schema: FeatureSchema, origin: str = "<text>") -> RuleSet:
    """Parse and validate rule-set YAML; ``RuleSetError`` listing every problem found."""
    try:
        doc = yaml.load(text, Loader=_Loader)  # a SafeLoader: no arbitrary objects
    except (yaml.YAMLError, RecursionError) as err:
        raise RuleSetError(f"{origin}: not valid YAML: {err}") from None
    problems = _Problems()
    ruleset = _ruleset(doc, schema, problems)
    if ruleset is None:
        listing = "\n".join(f"  - {p}" for p in problems.items)
        details = [{"loc": [origin], "msg": p, "type": "ruleset"} for p in problems.items]
        raise RuleSetError(
            f"{origin}: {len(problems.items)} problem(s):\n{listing}", details=details
        )
    return ruleset


def load_ruleset(path: str | Path, schema: FeatureSchema) -> RuleSet:
    """Load and validate a rule-set YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise RuleSetError(f"{path}: cannot read rule set: {err}") from None
    return load_ruleset_text(text, schema, str(path))
