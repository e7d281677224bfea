"""``riskline demo``: a simulated world through the engine on SQLite, a summary, then the API."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from riskline.cli.base import app, console, handle_errors, load_settings, progress
from riskline.credit import LineStatus

__all__ = ["demo"]


@app.command()
def demo(
    db: Annotated[Path, typer.Option(help="SQLite file to (re)create")] = Path("riskline-demo.db"),
    persons: Annotated[int, typer.Option(min=50, max=200_000, help="Simulated persons")] = 2000,
    days: Annotated[int, typer.Option(min=7, max=365, help="Simulated days")] = 45,
    seed: Annotated[int, typer.Option(help="World seed")] = 7,
    serve: Annotated[bool, typer.Option(help="Serve the API afterwards")] = True,
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Simulate a world with fraud rings, decide every event, show frozen lines, serve the API."""
    from riskline.runtime import build_runtime

    with handle_errors():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        settings = load_settings(database_url=f"sqlite:///{db}", port=port)
        runtime = build_runtime(settings)
        try:
            counts = _run_world(runtime, persons, days, seed)
            _summary(runtime, counts)
            _key_hint(runtime, settings.port)
            if serve:
                _serve(runtime, settings.host, settings.port)
        finally:
            runtime.close()


def _run_world(runtime: Any, persons: int, days: int, seed: int) -> Counter[str]:
    from riskline.events import parse_event
    from riskline.sim import WorldConfig, iter_events

    config = WorldConfig.small(persons=persons, days=days, seed=seed)
    counts: Counter[str] = Counter()
    batch = []
    with progress("deciding events") as advance:
        for n, wire in enumerate(iter_events(config), start=1):
            batch.append(parse_event(wire, runtime.hasher))
            if len(batch) >= 512:
                counts.update(d.outcome.value for d in runtime.ingestor.process(batch).decisions)
                batch = []
            advance(n)
        if batch:
            counts.update(d.outcome.value for d in runtime.ingestor.process(batch).decisions)
    return counts


def _summary(runtime: Any, counts: Counter[str]) -> None:
    table = Table("outcome", "decisions", title=f"{sum(counts.values())} events decided")
    for outcome in ("approve", "challenge", "review", "decline"):
        table.add_row(outcome, str(counts.get(outcome, 0)))
    console.print(table)
    store = runtime.store
    frozen = store.lines_by_status(LineStatus.FROZEN, limit=100_000)
    limited = store.lines_by_status(LineStatus.LIMITED, limit=100_000)
    console.print(f"credit lines frozen: {len(frozen)}, limited: {len(limited)}")
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


def _key_hint(runtime: Any, port: int) -> None:
    _, token = runtime.keys.create("demo-admin", "admin")
    console.print(f"admin API key: {token}")
    console.print(f'try: curl -H "Authorization: Bearer {token}" http://127.0.0.1:{port}/metrics')


def _serve(runtime: Any, host: str, port: int) -> None:
    import uvicorn

    from riskline.api import create_app

    console.print(f"serving the API on http://{host}:{port} (docs at /docs); Ctrl-C to stop")
    uvicorn.run(create_app(runtime), host=host, port=port, log_level="warning")
