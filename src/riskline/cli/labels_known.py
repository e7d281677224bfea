"""``riskline labels analysts``: simulated analysts work an evaluated run's review queue, and
matured repayment outcomes are read from the world: the labels a platform would have."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from riskline.cli.base import console, handle_errors
from riskline.cli.labels import labels_app
from riskline.errors import InvalidInput

__all__ = ["analysts"]


def _as_of(text: str | None, world: Path) -> datetime:
    """``--as-of``, or the time of the world's last event."""
    from riskline.sim import load_world

    if text is not None:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(f"--as-of takes an ISO date-time, got {text!r}") from None
        if moment.tzinfo is None:
            raise InvalidInput("--as-of needs a timezone, e.g. 2026-03-01T00:00:00Z")
        return moment
    last: dict[str, object] | None = None
    for event in load_world(world).events():
        last = event
    if last is None:
        raise InvalidInput(f"{world} has no events")
    return datetime.fromisoformat(str(last["occurred_at"]).replace("Z", "+00:00"))


@labels_app.command("analysts")
def analysts(
    cases: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="cases.jsonl of `riskline evaluate --out`"
        ),
    ],
    world: Annotated[
        Path, typer.Option(exists=True, file_okay=False, help="The world that run evaluated")
    ],
    out: Annotated[Path, typer.Option(help="Labels file to write (JSON lines)")],
    as_of: Annotated[
        str | None, typer.Option(help="What is known by then (default: the world's last event)")
    ] = None,
    cases_per_day: Annotated[int, typer.Option(help="Cases the team closes a day")] = 10,
    min_days: Annotated[float, typer.Option(help="Least days of work on a case")] = 1.0,
    max_days: Annotated[float, typer.Option(help="Most days of work on a case")] = 5.0,
    miss_rate: Annotated[float, typer.Option(help="Probability of clearing a fraudster")] = 0.10,
    false_confirm_rate: Annotated[
        float, typer.Option(help="Probability of confirming an honest customer")
    ] = 0.02,
    seed: Annotated[int, typer.Option(help="Seed of the analysts' delays and errors")] = 0,
) -> None:
    """Verdicts on the cases a run opened (closed with a delay, capacity and errors) and M1/M3
    bills, each known from when it was: for `riskline train fraud --world W --labels FILE`.

    Ground truth is read only for the parties of those cases, through the analysts' verdicts.
    """
    from riskline.sim import load_world
    from riskline.sim.analysts import (
        AnalystTeam,
        fraud_since,
        read_cases,
        repayment_outcomes,
        work_queue,
        write_known_labels,
    )

    with handle_errors():
        team = AnalystTeam(cases_per_day, min_days, max_days, miss_rate, false_confirm_rate, seed)
        moment = _as_of(as_of, world)
        queue = read_cases(cases)
        loaded = load_world(world)
        truth = fraud_since(loaded.labels)
        seen = {c.party: truth[c.party] for c in queue if c.party in truth}
        verdicts = work_queue(queue, seen, team, as_of=moment)
        bills = repayment_outcomes(loaded.events(), as_of=moment)
        n = write_known_labels(out, verdicts, bills)
    confirmed = sum(v.fraud for v in verdicts)
    summary = {
        "as_of": moment.isoformat(),
        "cases": len(queue),
        "closed": len(verdicts),
        "open_at_as_of": len(queue) - len(verdicts),
        "confirmed": confirmed,
        "cleared": len(verdicts) - confirmed,
        "m1_bills": sum(b.status == "M1" for b in bills),
        "m3_bills": sum(b.status == "M3" for b in bills),
        "records": n,
    }
    console.print_json(json.dumps(summary))
    console.print(f"wrote {out}")
