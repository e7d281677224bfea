"""``riskline backtest``: a candidate rule set on labeled history, against the current set."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from riskline.cli.base import app, console, engine_schema, handle_errors

__all__ = ["backtest"]


@app.command()
def backtest(
    rules: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Candidate rule set (YAML)")
    ],
    history: Annotated[
        Path, typer.Option(exists=True, help="World folder, or Parquet/CSV with features")
    ],
    label: Annotated[str, typer.Option(help="0/1 label column of a history file")] = "label",
    baseline: Annotated[
        Path | None, typer.Option(help="Current rule set (default: packaged)")
    ] = None,
    promote_shadow: Annotated[bool, typer.Option(help="Count shadow rules as if live")] = False,
    output: Annotated[
        Path | None, typer.Option("--json", help="Also write the report here")
    ] = None,
) -> None:
    """Per rule: hits, precision, recall, FPR, overlaps; and how the decision mix would change."""
    import polars as pl

    from riskline.rules import EXAMPLE_RULESET, load_ruleset
    from riskline.rules import backtest as run
    from riskline.training import load_world_frame

    with handle_errors():
        schema = engine_schema()
        candidate = load_ruleset(rules, schema)
        current = load_ruleset(baseline or EXAMPLE_RULESET, schema)
        time_col = None
        if history.is_dir():
            frame, time_col = load_world_frame(history), "ts"
        elif history.suffix.lower() == ".parquet":
            frame = pl.read_parquet(history)
        else:
            frame = pl.read_csv(history, infer_schema_length=10_000)
        report = run(
            candidate, frame, label, current, time_col=time_col, promote_shadow=promote_shadow
        )
    report.render(console)
    if output is not None:
        output.write_text(report.to_json())
