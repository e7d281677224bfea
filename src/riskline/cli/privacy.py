"""``riskline privacy``: retention purge, subject access export, erasure."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from riskline.cli.base import app, console, handle_errors, load_settings
from riskline.errors import InvalidConfig

__all__ = ["privacy_app"]

privacy_app = typer.Typer(help="Retention, subject access and erasure.", no_args_is_help=True)
app.add_typer(privacy_app, name="privacy")


def _policy(path: Path | None) -> Any:
    from riskline.privacy import RetentionPolicy

    if path is None:
        return RetentionPolicy()
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise InvalidConfig(f"cannot read retention policy {path}: {err}") from None
    if not isinstance(raw, dict) or set(raw) - {"ledger_days", "classes"}:
        raise InvalidConfig("a retention policy has only 'ledger_days' and 'classes'")
    default = RetentionPolicy()
    classes = {**default.classes, **(raw.get("classes") or {})}
    return RetentionPolicy(ledger_days=raw.get("ledger_days", default.ledger_days), classes=classes)


@privacy_app.command("purge")
def purge_cmd(
    policy: Annotated[Path | None, typer.Option(help="YAML: ledger_days, classes")] = None,
    dry_run: Annotated[bool, typer.Option(help="Count only; delete nothing")] = False,
) -> None:
    """Delete what the retention policy no longer allows to be kept (audited)."""
    from riskline.privacy import purge
    from riskline.storage import connect

    with handle_errors():
        engine = connect(load_settings().database_url)
        try:
            report = purge(engine, _policy(policy), datetime.now(UTC), dry_run=dry_run)
        finally:
            engine.dispose()
    verb = "would purge" if dry_run else "purged"
    console.print(
        f"{verb} {report.events} events, {report.decisions} decisions, "
        f"{report.line_changes} line changes (ledger up to event {report.events_upto}); "
        + ", ".join(f"{k}: {v}" for k, v in report.rows.items())
    )


@privacy_app.command("export")
def export_cmd(
    person_id: Annotated[str, typer.Argument()],
    out: Annotated[Path | None, typer.Option(help="Write JSON here (default: stdout)")] = None,
) -> None:
    """Everything held about one person (subject access request), as JSON."""
    from riskline.privacy import export_subject
    from riskline.storage import connect

    with handle_errors():
        engine = connect(load_settings().database_url)
        try:
            data = export_subject(engine, person_id)
        finally:
            engine.dispose()
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if out is None:
        print(text)
    else:
        out.write_text(text)
        console.print(f"wrote {len(data['events'])} events about {person_id} to {out}")


@privacy_app.command("erase")
def erase_cmd(
    person_id: Annotated[str, typer.Argument()],
    reason: Annotated[str, typer.Option(help="The request or legal basis")],
    actor: Annotated[str, typer.Option(help="Who carries it out")] = "privacy-officer",
) -> None:
    """Remove identifying fields from a person's events; decisions and amounts stay (audited)."""
    from riskline.privacy import erase_subject
    from riskline.storage import connect

    with handle_errors():
        engine = connect(load_settings().database_url)
        try:
            n = erase_subject(engine, person_id, actor, reason)
        finally:
            engine.dispose()
    console.print(f"erased identifying fields from {n} events of {person_id}")
