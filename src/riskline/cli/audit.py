"""``riskline audit``: verify the tamper-evident audit chain and print its head."""

from __future__ import annotations

import json

import typer

from riskline.cli.base import app, console, err_console, handle_errors, load_settings

__all__ = ["audit_app"]

audit_app = typer.Typer(help="Tamper-evident audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify() -> None:
    """Recompute every link and the digest of every covered ledger range; exit 1 on a breach."""
    from riskline.storage import connect
    from riskline.storage.audit import AuditLog

    with handle_errors():
        engine = connect(load_settings().database_url)
        try:
            report = AuditLog(engine).verify()
        finally:
            engine.dispose()
    for breach in report.breaches[:50]:
        where = f"entry {breach.seq}" if breach.seq is not None else "tail"
        err_console.print(f"[red]breach[/red] at {where}: {breach.problem}")
    console.print(
        f"{report.entries} entries, event sequence numbers covered: {report.events_covered}, "
        f"events before the audit log began: {report.events_before_audit}, head {report.head}"
    )
    if not report.ok:
        raise typer.Exit(1)
    console.print("[green]audit chain intact[/green]")


@audit_app.command("head")
def head() -> None:
    """Print the newest entry's number and hash as JSON (store it elsewhere to anchor the tail)."""
    from riskline.storage import connect
    from riskline.storage.audit import AuditLog

    with handle_errors():
        engine = connect(load_settings().database_url)
        try:
            seq, digest = AuditLog(engine).head()
        finally:
            engine.dispose()
    print(json.dumps({"seq": seq, "hash": digest}))
