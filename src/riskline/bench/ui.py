"""Console page timings on a simulated world: ``python -m riskline.bench.ui [persons] [days]``.

Builds a world with ``riskline.sim``, decides every event with the real engine on a temporary
SQLite database, signs a user in, then times each page in-process (FastAPI TestClient, so
the figures are server time plus the ASGI round trip, without a network or a browser). The
dashboard cache is off here, so its figure is the full recomputation a cache miss costs.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["main", "time_pages"]


def _world(runtime: Any, persons: int, days: int) -> int:
    from riskline.events import parse_event
    from riskline.sim import WorldConfig, iter_events

    config = WorldConfig.small(persons=persons, days=days, seed=11)
    batch, n = [], 0
    for wire in iter_events(config):
        batch.append(parse_event(wire, runtime.hasher))
        if len(batch) >= 1024:
            runtime.ingestor.process(batch)
            n, batch = n + len(batch), []
    if batch:
        runtime.ingestor.process(batch)
        n += len(batch)
    runtime.ingestor.call(lambda: None).result()  # let the case projection catch up
    return n


def time_pages(client: Any, paths: dict[str, str], repeat: int) -> dict[str, tuple[float, float]]:
    """Median and worst milliseconds per page over ``repeat`` requests (after one warm-up)."""
    out: dict[str, tuple[float, float]] = {}
    for name, path in paths.items():
        assert client.get(path).status_code == 200, path
        samples = []
        for _ in range(repeat):
            t = time.perf_counter()
            client.get(path)
            samples.append((time.perf_counter() - t) * 1000)
        out[name] = (statistics.median(samples), max(samples))
    return out


def _sign_in(client: Any, runtime: Any) -> None:
    from riskline.ui import UserStore

    UserStore(runtime.db, work=2**10).add("bench", "supervisor", "bench password 123")
    page = client.get("/console/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    client.post(
        "/console/login",
        data={"username": "bench", "password": "bench password 123", "csrf_token": token[1]},
    )


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> None:
    """Simulate, decide, then print one line per page: median and worst milliseconds."""
    from fastapi.testclient import TestClient

    from riskline.api import create_app
    from riskline.config import Settings
    from riskline.runtime import build_runtime

    args = list(sys.argv[1:] if argv is None else argv)
    persons, days = (int(args[0]) if args else 500), (int(args[1]) if len(args) > 1 else 30)
    os.environ.setdefault("RISKLINE_CONSOLE_SECURE_COOKIE", "never")
    os.environ.setdefault("RISKLINE_CONSOLE_DASHBOARD_TTL_SECONDS", "0")  # time the work
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        runtime = build_runtime(
            Settings(database_url=f"sqlite:///{db}", pii_secret="console-bench-secret")
        )
        try:
            t = time.perf_counter()
            events = _world(runtime, persons, days)
            out(
                f"world: {persons} persons, {days} days, {events} events decided in "
                f"{time.perf_counter() - t:.1f} s"
            )
            client = TestClient(create_app(runtime))
            _sign_in(client, runtime)
            case = runtime.cases.queue()[0]
            member = runtime.cases.detail(case.case_id).members[0]
            account = next(
                m.id for m in runtime.cases.detail(case.case_id).members if m.kind == "account"
            )
            paths = {
                "dashboard": "/console/dashboard",
                "queue": "/console/queue",
                "case": f"/console/cases/{case.case_id}",
                "account": f"/console/accounts/{account}",
                "graph data": f"/console/graph/data?entity={member.kind}:{member.id}",
            }
            stats = runtime.cases.stats()
            out(f"decisions: {runtime.store.outcome_counts()}; open cases: {stats.open}")
            for name, (median, worst) in time_pages(client, paths, repeat=20).items():
                out(f"{name:<12} median {median:7.1f} ms   worst {worst:7.1f} ms")
            out(
                f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
                f"on {os.cpu_count()} CPUs"
            )
        finally:
            runtime.close()


if __name__ == "__main__":
    main()
