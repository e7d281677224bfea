"""``riskline backtest``: a candidate rule set on labeled history, against the current set;
or (``--ledger``) a candidate rule set or policy replayed over a period of your own ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer

from riskline.cli.base import app, console, engine_schema, handle_errors, load_settings
from riskline.errors import InvalidInput

__all__ = ["backtest", "render_ledger_report"]


@app.command()
def backtest(
    rules: Annotated[
        Path | None,
        typer.Argument(exists=True, dir_okay=False, help="Candidate rule set (YAML)"),
    ] = None,
    history: Annotated[
        Path | None,
        typer.Option(exists=True, help="World folder, or Parquet/CSV with features"),
    ] = None,
    label: Annotated[str, typer.Option(help="0/1 label column of a history file")] = "label",
    baseline: Annotated[
        Path | None, typer.Option(help="Current rule set (default: packaged)")
    ] = None,
    promote_shadow: Annotated[bool, typer.Option(help="Count shadow rules as if live")] = False,
    ledger: Annotated[
        str | None,
        typer.Option(help="Replay this database's ledger (a DATABASE_URL; '' for the env's)"),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="First day of the period (YYYY-MM-DD)")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Day after the period (YYYY-MM-DD)")
    ] = None,
    candidate_rules: Annotated[
        Path | None, typer.Option("--rules", help="Candidate rule set (with --ledger)")
    ] = None,
    candidate_policy: Annotated[
        Path | None, typer.Option("--policy", help="Candidate policy (with --ledger)")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--json", help="Also write the report here")
    ] = None,
) -> None:
    """Per rule: hits, precision, recall, FPR, overlaps; and how the decision mix would change.
    With --ledger: per check and in money, what the candidate would have changed."""
    if ledger is not None:
        with handle_errors():
            report = _ledger(ledger, start, end, rules or candidate_rules, candidate_policy)
        render_ledger_report(report, console)
        if output is not None:
            output.write_text(_json(report.to_dict()))
        return
    _labelled(rules, history, label, baseline, promote_shadow, output)


def _day(text: str | None, flag: str) -> datetime:
    if not text:
        raise InvalidInput(f"{flag} DATE is required with --ledger (YYYY-MM-DD)")
    try:
        return datetime.combine(date.fromisoformat(text), time(), UTC)
    except ValueError:
        raise InvalidInput(f"{flag}: {text!r} is not a date (YYYY-MM-DD)") from None


def _ledger(
    url: str, start: str | None, end: str | None, rules: Path | None, policy: Path | None
) -> Any:
    from riskline.whatif import backtest_ledger

    for path in (rules, policy):
        if path is not None and not path.is_file():
            raise InvalidInput(f"{path}: no such file")
    settings = load_settings(database_url=url or None)
    return backtest_ledger(
        settings, _day(start, "--from"), _day(end, "--to"), rules=rules, policy=policy
    )


def _json(data: Any) -> str:
    import json

    return json.dumps(data, indent=2, sort_keys=True, default=str)


def render_ledger_report(report: Any, out: Any) -> None:
    """Print a ledger backtest: both sides, per check, and the changed decisions."""
    from rich.table import Table

    out.print(
        f"ledger backtest of {report.candidate}: {report.events} events from "
        f"{report.start.date()} to {report.end.date()} ({report.warmup_events} before, replayed "
        f"for state); live side: {report.live_source} ({report.recorded_mismatches} differ "
        "from the recorded decisions)"
    )
    sides = Table("", "live", "candidate", title="Totals")
    rows = (
        ("exposure stopped", "stopped_amount"),
        ("events stopped", "stopped"),
        ("cases opened", "cases_opened"),
        ("good customers affected", "good_affected"),
        ("bad customers affected", "bad_affected"),
    )
    for title, name in rows:
        a, b = getattr(report.live, name), getattr(report.candidate_side, name)
        sides.add_row(title, f"{a:,}", f"{b:,}")
    out.print(sides)
    checks = Table(
        "check",
        "hits live",
        "hits cand.",
        "stopped live",
        "stopped cand.",
        "good live",
        "good cand.",
        title="Per check",
    )
    for c in report.checks:
        checks.add_row(
            c.code,
            str(c.live_hits),
            str(c.candidate_hits),
            f"{c.live_stopped_amount:,.2f}",
            f"{c.candidate_stopped_amount:,.2f}",
            str(c.live_good_affected),
            str(c.candidate_good_affected),
        )
    out.print(checks)
    diffs = Table("from", "to", "count", "amount", title="Changed decisions")
    for d in report.differences:
        diffs.add_row(d.before, d.after, str(d.count), f"{d.amount:,.2f}")
    out.print(diffs)
    out.print(f"exposure stopped, candidate minus live: {report.exposure_stopped_delta:,.2f}")


def _labelled(
    rules: Path | None,
    history: Path | None,
    label: str,
    baseline: Path | None,
    promote_shadow: bool,
    output: Path | None,
) -> None:
    import polars as pl

    from riskline.rules import EXAMPLE_RULESET, load_ruleset
    from riskline.rules import backtest as run
    from riskline.training import load_world_frame

    with handle_errors():
        if rules is None or history is None:
            raise InvalidInput(
                "give a candidate RULES file and --history (or --ledger URL --from --to)"
            )
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
