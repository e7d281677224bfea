"""Issue 22, defect 6: a rejected reload is logged (file and error), once per distinct content;
and every rule example in ``DSL.md`` passes the checker against the engine's real schema."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

import riskline.rules
from riskline.decisioning.engine import signal_schema
from riskline.features.default import default_catalog
from riskline.graph.features import SCHEMA as GRAPH_SCHEMA
from riskline.rules import RuleSetHolder, compile_expression, load_ruleset_text
from tests.rules.test_rules_reload import SCHEMA, ruleset, write

DSL_MD = Path(riskline.rules.__file__).with_name("DSL.md")
LOGGER = "riskline.rules.reload"


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelname == "WARNING"]


def test_every_rejected_file_is_logged_with_its_path_and_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    path = tmp_path / "rules.yaml"
    write(path, ruleset("1"), 1)
    holder = RuleSetHolder(path, SCHEMA)
    for i in range(7):
        write(path, ruleset(str(i + 2), when=f"a.y{i} > 1"), i + 2)
        assert holder.maybe_reload() is False
    logged = _warnings(caplog)
    assert len(logged) == 7
    for i, message in enumerate(logged):
        assert str(path) in message and f"unknown feature 'a.y{i}'" in message
        assert "still serving version 1" in message


def test_the_same_rejected_content_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    path = tmp_path / "rules.yaml"
    write(path, ruleset("1"), 1)
    holder = RuleSetHolder(path, SCHEMA)
    bad = ruleset("2", when="a.y > 1")
    for tick in (2, 3, 4):  # touched, same bytes: re-parsed, not re-logged
        write(path, bad, tick)
        assert holder.maybe_reload() is False
    assert len(_warnings(caplog)) == 1
    write(path, ruleset("3"), 5)
    assert holder.maybe_reload() is True
    write(path, bad, 6)  # the same bad file again after a good one is news again
    assert holder.maybe_reload() is False
    assert len(_warnings(caplog)) == 2


def _engine_schema() -> dict[str, str]:
    return signal_schema(default_catalog().schema(), GRAPH_SCHEMA)


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DSL_MD.read_text(encoding="utf-8"), re.S)


def test_every_expression_example_in_dsl_md_passes_the_checker() -> None:
    schema = _engine_schema()
    expressions = [line for line in _blocks("")[0].splitlines() if line.strip()]
    assert len(expressions) >= 3
    for source in expressions:
        compile_expression(source, schema)  # raises RuleError with a caret if the doc is wrong


def test_the_rule_set_example_in_dsl_md_loads() -> None:
    (example,) = _blocks("yaml")
    rs = load_ruleset_text(example, _engine_schema(), "DSL.md")
    assert [r.id for r in rs.rules] == ["device_farm_new_account"]
