"""HTTP throughput: a real uvicorn server on loopback, driven by an asyncio httpx client."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

import httpx

from riskline.bench.common import free_port, percentiles, temp_settings
from riskline.bench.wrk import run_wrk, wrk_available
from riskline.config import Settings
from riskline.errors import InvalidInput
from riskline.storage import KeyStore, connect, upgrade

__all__ = ["bench_http", "refuse_errors"]


def _wire(wire: dict[str, Any], n: int) -> dict[str, Any]:
    return {**wire, "event_id": f"{wire['event_id']}-{n}"}


async def _drive(
    url: str, token: str, bodies: Sequence[Any], concurrency: int
) -> tuple[float, list[float], int, int]:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    lat: list[float] = []
    errors = decided = 0
    headers = {"Authorization": f"Bearer {token}"}

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors, decided
        while not queue.empty():
            body = queue.get_nowait()
            t0 = time.perf_counter_ns()
            r = await client.post(url, json=body, headers=headers)
            lat.append((time.perf_counter_ns() - t0) / 1000)
            if r.status_code == 200:
                decided += len(body["events"]) if "events" in body else 1
            else:
                errors += 1

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return time.perf_counter() - started, lat, errors, decided


def _serve(
    settings: Settings, port: int, module: str, args: Sequence[str] = ()
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RISKLINE_DATABASE_URL": settings.database_url,
        "RISKLINE_PII_SECRET": settings.pii_secret.get_secret_value(),
        "RISKLINE_PORT": str(port),
        "RISKLINE_RATE_LIMIT_PER_S": "0",  # one key measures capacity: no per-key limit
    }
    server = subprocess.Popen([sys.executable, "-m", module, *args], env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the benchmark server did not start")


def bench_http(
    events: Sequence[dict[str, Any]], concurrency: int = 32, batch: int = 50, workers: int = 2
) -> dict[str, Any]:
    """Single-event and batched requests against a server in its own process(es).

    ``full`` is ``riskline serve`` (every detector, one process); ``workers`` is the same
    pipeline as ``riskline serve --workers N`` (one writer process, N - 1 HTTP fronts);
    ``core`` is the decision loop alone (``python -m riskline.bench.serve_core``). All on
    durable SQLite; single events come from ``wrk`` when installed, batches from an asyncio
    httpx client in this process, on loopback. ``workers_vs_full`` divides the decisions/s.
    """
    servers = (
        ("full", "riskline", ("serve",)),
        ("workers", "riskline", ("serve", "--workers", str(workers))),
        ("core", "riskline.bench.serve_core", ()),
    )
    figures: dict[str, Any] = {
        "note": (
            "the bench API key runs without a per-key rate limit (RISKLINE_RATE_LIMIT_PER_S=0): "
            "this measures capacity; decisions_per_s counts 2xx answers only, non_2xx apart"
        ),
        **{
            pipeline: _bench_server(events, concurrency, batch, module, args)
            for pipeline, module, args in servers
        },
    }
    figures["workers"]["processes"] = workers
    figures["workers_vs_full"] = {
        mode: round(
            figures["workers"][mode]["decisions_per_s"]
            / max(1, figures["full"][mode]["decisions_per_s"]),
            2,
        )
        for mode in ("single", "batched")
    }
    return figures


def _bench_server(
    events: Sequence[dict[str, Any]],
    concurrency: int,
    batch: int,
    module: str,
    args: Sequence[str],
) -> dict[str, Any]:
    settings, _ = temp_settings()
    db = connect(settings.database_url)
    upgrade(db)
    _, token = KeyStore(db).create("bench", "ingest")
    db.dispose()
    port = free_port()
    server = _serve(settings, port, module, args)
    url = f"http://127.0.0.1:{port}/v1/events"
    try:
        single = [_wire(e, 0) for e in events[:3000]]
        batches = [
            {"events": [_wire(e, 1) for e in events[i : i + batch]]}
            for i in range(0, len(events), batch)
        ]
        first = (
            run_wrk(f"http://127.0.0.1:{port}", token, connections=concurrency)
            if wrk_available()
            else _measure(url, token, single, concurrency, 1)
        )
        return {
            "single": first,
            "batched": _measure(url, token, batches, max(2, concurrency // 4), batch),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def _measure(
    url: str, token: str, bodies: Sequence[Any], concurrency: int, per: int
) -> dict[str, Any]:
    elapsed, lat, errors, decided = asyncio.run(_drive(url, token, bodies, concurrency))
    return {
        "requests": len(bodies),
        "events_per_request": per,
        "concurrency": concurrency,
        "decisions": decided,
        "decisions_per_s": round(decided / elapsed),
        "request_us": percentiles(lat),
        "non_2xx": errors,
    }


def refuse_errors(figures: dict[str, Any]) -> None:
    """Raise when any measured request was not answered 2xx: a refusal is not a decision, and
    a figure over a run with refusals measures the refusals too.

    >>> refuse_errors({"full": {"single": {"non_2xx": 0}, "batched": {"non_2xx": 0}}})
    >>> refuse_errors({"full": {"single": {"non_2xx": 3}, "batched": {"non_2xx": 0}}})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    riskline.errors.InvalidInput: the http benchmark got 3 non-2xx answers (full single); ...
    """
    bad = {
        f"{pipeline} {mode}": int(run.get("non_2xx", 0))
        for pipeline, modes in figures.items()
        if isinstance(modes, dict)
        for mode, run in modes.items()
        if isinstance(run, dict) and run.get("non_2xx")
    }
    if bad:
        raise InvalidInput(
            f"the http benchmark got {sum(bad.values())} non-2xx answers "
            f"({', '.join(bad)}); its figures count answered decisions only, but a run with "
            "refusals is not a capacity measurement: fix the cause, or pass --allow-errors "
            "to keep the figures"
        )
