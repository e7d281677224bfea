"""``riskline rules``: governed rule-set and policy versions (drafted in the console)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from riskline.cli.base import app, console, engine_schema, handle_errors, load_settings

if TYPE_CHECKING:
    from riskline.storage.drafts import DraftStore

__all__ = ["rules_app"]

rules_app = typer.Typer(help="Rule-set and policy versions.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


def _store() -> DraftStore:
    from riskline.storage import connect
    from riskline.storage.drafts import DraftStore, check_document

    return DraftStore(connect(load_settings().database_url), check_document(engine_schema()))


@rules_app.command("list")
def list_versions() -> None:
    """Every version: number, kind, status, author, approver, reason."""
    with handle_errors():
        versions = _store().versions()
    for v in versions:
        console.print(
            f"{v.version}\t{v.kind.value}\t{v.status.value}\t{v.author}\t{v.approver or '-'}"
            f"\t{v.reason}",
            markup=False,
            highlight=False,
        )


@rules_app.command("export")
def export(
    version: Annotated[int, typer.Option(min=1, help="The version number")],
    out: Annotated[Path | None, typer.Option(help="Write here (default: standard output)")] = None,
) -> None:
    """One version as the YAML file the engine loads (``RISKLINE_RULES_PATH``)."""
    with handle_errors():
        text = _store().export(version)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote version {version} to {out}")
