"""``riskline sim audit``: can single events of a simulated world tell fraud by artifacts?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from riskline.cli.base import app, console, handle_errors

if TYPE_CHECKING:
    from riskline.sim import AuditReport

__all__ = ["audit", "audit_table", "sim_app"]

sim_app = typer.Typer(help="World simulator checks.", no_args_is_help=True)
app.add_typer(sim_app, name="sim")

CAP_EXCEEDED = 3
"""Exit code when an artifact group's AUC is above ``--cap``."""


_HELP = (
    "Per event type, train a classifier on one event's own fields (no history, no ids) for each"
    " field group and report its held-out AUC; fraud rings and honest subjects never straddle"
    " the two folds.\n\n"
    "Artifact groups (time, network, device, amount precision, verification and bureau, and all"
    " of them together) should stay near 0.5; behaviour is reported, not capped. n/a: the type"
    " has no such fields, or a fold lacks one class.\n\n"
    "Exit codes: 0 every artifact group is within --cap; 2 the world cannot be read;"
    " 3 some artifact group is above --cap."
)


@sim_app.command("audit", help=_HELP)
def audit(
    world: Annotated[Path, typer.Argument(help="A folder from `riskline simulate`")],
    out: Annotated[Path | None, typer.Option(help="Write the report as JSON here")] = None,
    cap: Annotated[
        float, typer.Option(help="Highest AUC an artifact group may reach (1 only reports)")
    ] = 0.60,
    seed: Annotated[int, typer.Option(help="Seed of the fold split and the models")] = 0,
    max_honest: Annotated[int, typer.Option(min=1, help="Honest events kept per type")] = 200_000,
    min_fraud: Annotated[int, typer.Option(min=2, help="Fraud events a type needs")] = 50,
) -> None:
    """Per event type and field group, the held-out AUC of a classifier on single events."""
    from riskline.sim import audit_world

    with handle_errors():
        report = audit_world(world, seed=seed, max_honest=max_honest, min_fraud=min_fraud)
    # a file or pipe gets the whole table, not one squeezed into 80 columns
    (console if console.is_terminal else Console(width=140)).print(audit_table(report, cap))
    if report.skipped:
        skipped = ", ".join(f"{kind} ({n})" for kind, n in report.skipped)
        console.print(f"not audited (fewer than {min_fraud} fraud events): {skipped}")
    if out is not None:
        out.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {out}")
    exceeding = report.exceeding(cap)
    for kind, group, auc in exceeding:
        console.print(f"[red]above cap {cap:.2f}[/red]: {kind} {group} AUC {auc:.3f}")
    if exceeding:
        raise typer.Exit(CAP_EXCEEDED)


def audit_table(report: AuditReport, cap: float) -> Table:
    """The audit as a rich table: one row per event type, one AUC column per group."""
    names = [g.group for g in report.types[0].groups] if report.types else []
    table = Table(
        title=f"Leakage audit of {report.world}: held-out AUC, seed {report.seed}",
        caption=f"artifact groups above {cap:.2f} in red; behaviour is not capped",
    )
    table.add_column("event type", no_wrap=True)
    for column in ("fraud", "rings", "honest", *names):
        table.add_column(column.replace("_", "\n"), justify="right", no_wrap=True)
    for t in report.types:
        honest = f"{t.honest_events}" + (
            f" of {t.honest_total}" if t.honest_total > t.honest_events else ""
        )
        cells = [_auc_cell(g.auc, cap if g.artifact else None) for g in t.groups]
        table.add_row(t.event_type, str(t.fraud_events), str(t.fraud_rings), honest, *cells)
    return table


def _auc_cell(auc: float | None, cap: float | None) -> str:
    if auc is None:
        return "[dim]n/a[/dim]"
    if cap is not None and auc > cap:
        return f"[red]{auc:.3f}[/red]"
    return f"{auc:.3f}"
