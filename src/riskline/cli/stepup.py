"""``riskline stepup``: measure fingerprint matching; follow the ledger into challenges."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from riskline.cli.base import app, console, handle_errors, load_settings

__all__ = ["app", "stepup_app"]

stepup_app = typer.Typer(
    help="Step-up verification (challenges, fingerprints).", no_args_is_help=True
)
app.add_typer(stepup_app, name="stepup")


@stepup_app.command("measure")
def measure_cmd(
    devices: Annotated[int, typer.Option(min=10, max=100_000, help="Generated devices")] = 2000,
    drifts: Annotated[int, typer.Option(min=1, max=50, help="Drifted revisits per device")] = 5,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="Match threshold")] = 0.85,
    seed: Annotated[int, typer.Option(help="Generator seed")] = 0,
    per_account: Annotated[
        bool, typer.Option(help="Identify each device with its account (own devices first)")
    ] = False,
) -> None:
    """Fingerprint matching on generated drifted devices: true- and false-match rates."""
    from riskline.bench.fingerprints import measure

    started = time.perf_counter()
    report = measure(devices, drifts, threshold, seed, per_account=per_account)
    for line in report.lines():
        console.print(line, highlight=False)
    console.print(f"({time.perf_counter() - started:.1f} s)", highlight=False)


@stepup_app.command("follow")
def follow_cmd(
    every: Annotated[float, typer.Option(min=0.0, help="Seconds between passes; 0: one pass")] = 0,
) -> None:
    """Create challenges for new challenged decisions and retry pending releases."""
    from sqlalchemy import Engine

    from riskline.identity import ChallengeFollower, SqlChallengeStore
    from riskline.storage import connect, upgrade

    with handle_errors():
        db: Engine = connect(load_settings().database_url)
        upgrade(db)
        follower = ChallengeFollower(SqlChallengeStore(db))
        while True:
            created = follower.catch_up()
            console.print(f"{created} challenge(s) created", highlight=False)
            if every <= 0:
                return
            time.sleep(every)
