"""``riskline merchants``: merchant restrictions (settlement holds, acceptance caps) in a database,
scored against a simulated world's labels when given."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from riskline.cli.base import app, console, handle_errors, load_settings
from riskline.errors import InvalidInput

__all__ = ["merchants_app", "score_against_labels"]

merchants_app = typer.Typer(help="Merchant holds and caps.", no_args_is_help=True)
app.add_typer(merchants_app, name="merchants")


def score_against_labels(held: set[str], labels: Path) -> dict[str, Any]:
    """How many held merchants the labels call colluding, and how many they do not."""
    colluding: dict[str, str] = {}
    try:
        with labels.open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                if row.get("level") == "merchant":
                    colluding[str(row["id"])] = str(row.get("typology", ""))
    except (OSError, ValueError, KeyError) as err:
        raise InvalidInput(f"{labels}: cannot read the labels ({err})") from None
    by_typology: dict[str, int] = {}
    for typology in colluding.values():
        by_typology[typology] = by_typology.get(typology, 0) + 1
    caught = sorted(m for m in held if m in colluding)
    return {
        "merchants_held": len(held),
        "held_colluding": len(caught),
        "held_colluding_by_typology": {
            t: sum(1 for m in caught if colluding[m] == t) for t in sorted(by_typology)
        },
        "held_honest": sorted(m for m in held if m not in colluding),
        "colluding_in_world": by_typology,
    }


@merchants_app.command("list")
def list_restrictions(
    labels: Annotated[
        Path | None, typer.Option(help="A world's labels.jsonl: score the held merchants")
    ] = None,
    database: Annotated[str | None, typer.Option(help="Database URL (default: settings)")] = None,
) -> None:
    """Every restriction (merchant, kind, state, reasons, since, until), then a JSON summary."""
    from sqlalchemy import select

    from riskline.cases import tables as ct
    from riskline.storage import connect

    with handle_errors():
        engine = connect(database or load_settings().database_url)
        try:
            with engine.connect() as conn:
                q = select(ct.merchant_actions).order_by(ct.merchant_actions.c.id)
                rows = [dict(r) for r in conn.execute(q).mappings()]
        finally:
            engine.dispose()
        for r in rows:
            until = r["until"].isoformat() if r["until"] else "until released"
            codes = ",".join(json.loads(r["reason_codes"]))
            console.print(
                f"{r['merchant_id']}  {r['kind']}  {r['status']}  {codes}  "
                f"{r['since'].isoformat()} -> {until}",
                highlight=False,
            )
        held = {str(r["merchant_id"]) for r in rows if r["kind"] == "hold_settlement"}
        summary: dict[str, Any] = {"restrictions": len(rows), "merchants_held": len(held)}
        if labels is not None:
            summary = {"restrictions": len(rows), **score_against_labels(held, labels)}
        console.print_json(json.dumps(summary))
