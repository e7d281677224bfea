"""The command line's help texts as a reader sees them (rich markup must not eat text)."""

from __future__ import annotations

from typer.testing import CliRunner

from riskline.cli import app


def test_spark_help_names_the_extra() -> None:
    for args in (["--help"], ["spark", "--help"]):
        result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert "pip install 'riskline[spark]'" in result.stdout
