"""Hot reload: good files replace the set, bad files are rejected and reported."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from riskline.rules import RuleSetError, RuleSetHolder

SCHEMA = {"a.x": "number"}


def ruleset(version: str, when: str = "a.x > 1") -> str:
    return (
        f'version: "{version}"\nrules:\n  - id: r1\n    when: {when}\n    outcome: review\n'
        "    reason_code: R1\n    text_key: t.r1\n    owner: me\n"
    )


def write(path: Path, text: str, tick: int) -> None:
    """Write and force a distinct mtime so the test never depends on clock resolution."""
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(tick * 10**9, tick * 10**9))


def test_reload_cycle_with_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    write(path, ruleset("1"), 1)
    holder = RuleSetHolder(path, SCHEMA)
    assert holder.current.version == "1"
    assert holder.last_error is None
    assert holder.maybe_reload() is False

    write(path, ruleset("2", when="a.y > 1"), 2)
    assert holder.maybe_reload() is False
    assert holder.current.version == "1"
    assert isinstance(holder.last_error, RuleSetError)
    assert "unknown feature 'a.y'" in str(holder.last_error)
    assert holder.maybe_reload() is False, "an unchanged bad file is not re-parsed"

    write(path, ruleset("3"), 3)
    assert holder.maybe_reload() is True
    assert holder.current.version == "3"
    assert holder.last_error is None


def test_deleted_file_keeps_the_current_set(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    write(path, ruleset("1"), 1)
    holder = RuleSetHolder(path, SCHEMA)
    path.unlink()
    assert holder.maybe_reload() is False
    assert holder.current.version == "1"
    assert "cannot read" in str(holder.last_error)


def test_explicit_reload_ignores_mtime(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    write(path, ruleset("1"), 1)
    holder = RuleSetHolder(path, SCHEMA)
    write(path, ruleset("2"), 1)
    assert holder.reload() is True
    assert holder.current.version == "2"


def test_first_load_must_succeed(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    write(path, "version: 1\nrules: [x]\n", 1)
    with pytest.raises(RuleSetError):
        RuleSetHolder(path, SCHEMA)
