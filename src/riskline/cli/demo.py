"""``riskline demo``: a first hour with Riskline.

A simulated world with fraud rings is decided event by event into a fresh SQLite database;
the demo then shows the decisions, the frozen lines, how well the engine did on the world's
labels (the same decisions, scored by :func:`riskline.sim.evaluate`), and the way into the
console (users with one-time passwords) and the API, which it serves.
"""

from __future__ import annotations

import secrets
import shutil
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from riskline.cli.base import (
    PASSWORD_ENV,
    app,
    console,
    handle_errors,
    load_settings,
    password_from,
    progress,
)
from riskline.credit import LineStatus

__all__ = ["demo"]

DEMO_USERS = (("demo-analyst", "analyst"), ("demo-supervisor", "supervisor"))
"""The console users the demo creates, each with a random password printed once."""


@app.command()
def demo(
    db: Annotated[Path, typer.Option(help="SQLite file to (re)create")] = Path("riskline-demo.db"),
    persons: Annotated[int, typer.Option(min=50, max=200_000, help="Simulated persons")] = 2000,
    days: Annotated[int, typer.Option(min=7, max=365, help="Simulated days")] = 45,
    seed: Annotated[int, typer.Option(help="World seed")] = 7,
    world: Annotated[
        Path, typer.Option(help="Folder for the simulated world (events and labels)")
    ] = Path("riskline-demo-world"),
    report: Annotated[
        Path, typer.Option(help="Folder for evaluation.html and evaluation.json")
    ] = Path("riskline-demo-report"),
    console_user: Annotated[
        str | None,
        typer.Option(help=f"Create this admin instead (password: ${PASSWORD_ENV} or a prompt)"),
    ] = None,
    serve: Annotated[bool, typer.Option(help="Serve the API and the console afterwards")] = True,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port (default: RISKLINE_PORT, 8000)")
    ] = None,
) -> None:
    """Simulate a world with fraud rings, decide it, score it on its labels, serve the console."""
    from riskline.runtime import build_runtime

    with handle_errors():
        password = (
            password_from(PASSWORD_ENV, missing="--console-user", prompt="Console password")
            if console_user
            else None
        )
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        settings = load_settings(database_url=f"sqlite:///{db}", port=port)
        runtime = build_runtime(settings)
        try:
            evaluation, counts = _decide_world(runtime, world, persons, days, seed)
            _summary(runtime, counts)
            _evaluation(evaluation, report)
            base = f"http://{settings.host}:{settings.port}"
            _console_users(runtime, base, console_user, password)
            _key_hint(runtime, base)
            if serve:
                _serve(runtime, settings.host, settings.port)
        finally:
            runtime.close()


def _decide_world(
    runtime: Any, folder: Path, persons: int, days: int, seed: int
) -> tuple[Any, Counter[str]]:
    """Simulate the world into ``folder``, decide every event once, score the decisions."""
    from riskline.lookahead import LookaheadDecider
    from riskline.sim import WorldConfig, evaluate, load_world, simulate

    shutil.rmtree(folder, ignore_errors=True)
    simulate(WorldConfig.small(persons=persons, days=days, seed=seed), folder)
    loaded = load_world(folder)
    decider = LookaheadDecider(
        runtime.ingestor.process,
        runtime.hasher,
        loaded.events(),
        passive=runtime.engine.passive_codes(),
    )
    with progress("deciding events") as advance:

        def decide(wire: dict[str, Any]) -> Any:
            view = decider(wire)
            advance(decider.decided)
            return view

        evaluation = evaluate(loaded, decide)
    return evaluation, decider.counts


def _summary(runtime: Any, counts: Counter[str]) -> None:
    table = Table("outcome", "decisions", title=f"{sum(counts.values()):,} events decided")
    for outcome in ("approve", "challenge", "review", "decline"):
        table.add_row(outcome, f"{counts.get(outcome, 0):,}")
    console.print(table)
    store = runtime.store
    frozen = store.lines_by_status(LineStatus.FROZEN, limit=100_000)
    limited = store.lines_by_status(LineStatus.LIMITED, limit=100_000)
    console.print(f"credit lines frozen: {len(frozen):,}, limited: {len(limited):,}")
    lines = Table(
        "line", "owner", "product", "frozen until", "reasons", title="frozen lines (first 8)"
    )
    for line in frozen[:8]:
        history = store.line_history(line.line_id)
        last = next((c for c in reversed(history) if c.action == "freeze"), None)
        reasons = ", ".join(last.reasons) if last else ""
        until = line.frozen_until.date().isoformat() if line.frozen_until else ""
        lines.add_row(line.line_id, line.owner_id, line.product.value, until, reasons)
    console.print(lines)


def _evaluation(report: Any, folder: Path) -> None:
    """The world's labels against the decisions: recall per typology, false positives, money."""
    from riskline.sim import report_table, write_report

    table = report_table(report)
    table.title = "how the engine did on this world's labels"
    console.print(table)
    flagged = round(report.fpr_good * report.good_persons)
    console.print(
        f"good customers flagged: {flagged:,} of {report.good_persons:,} "
        f"({100 * report.fpr_good:.1f}%)"
    )
    at_risk = sum(r.credit_at_risk for r in report.typologies)
    stopped = sum(r.credit_stopped for r in report.typologies)
    share = stopped / at_risk if at_risk else 0.0
    console.print(
        f"credit stopped: {stopped:,.0f} of {at_risk:,.0f} at risk in fraud ({100 * share:.1f}%)"
    )
    _, page = write_report(report, folder)
    console.print(f"report with charts: {page}")


def _console_users(runtime: Any, base: str, own: str | None, password: str | None) -> None:
    """Create the demo's console users and print how to sign in."""
    from riskline.ui import UserStore

    users = UserStore(runtime.db, work=runtime.settings.console.password_work)
    console.print(f"console: {base}/console/")
    if own is not None and password is not None:
        users.add(own, "admin", password)
        console.print(f"  sign in as {own} (admin) with your password")
        return
    for name, role in DEMO_USERS:
        secret = secrets.token_urlsafe(12)
        users.add(name, role, secret)
        console.print(f"  {name:<16} {role:<11} password {secret}  (shown once)")


def _key_hint(runtime: Any, base: str) -> None:
    _, token = runtime.keys.create("demo-admin", "admin")
    console.print(f"admin API key: {token}", soft_wrap=True)
    console.print(f'try: curl -H "Authorization: Bearer {token}" {base}/metrics', soft_wrap=True)


def _serve(runtime: Any, host: str, port: int) -> None:
    import uvicorn

    from riskline.api import create_app

    console.print(f"serving the API on http://{host}:{port} (docs at /docs); Ctrl-C to stop")
    uvicorn.run(create_app(runtime), host=host, port=port, log_level="warning")
