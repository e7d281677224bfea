"""HTTP throughput: a real uvicorn server on loopback, driven by an asyncio httpx client."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx
import uvicorn

from riskline.api import create_app
from riskline.bench.common import percentiles, temp_settings
from riskline.runtime import build_runtime

__all__ = ["bench_http"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wire(wire: dict[str, Any], n: int) -> dict[str, Any]:
    return {**wire, "event_id": f"{wire['event_id']}-{n}"}


async def _drive(
    url: str, token: str, bodies: Sequence[Any], concurrency: int
) -> tuple[float, list[float], int]:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    lat: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {token}"}

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            body = queue.get_nowait()
            t0 = time.perf_counter_ns()
            r = await client.post(url, json=body, headers=headers)
            lat.append((time.perf_counter_ns() - t0) / 1000)
            errors += r.status_code != 200

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return time.perf_counter() - started, lat, errors


def bench_http(
    events: Sequence[dict[str, Any]], concurrency: int = 32, batch: int = 50
) -> dict[str, Any]:
    """Single-event requests and batched requests against one durable SQLite server."""
    settings, _ = temp_settings()
    runtime = build_runtime(settings)
    _, token = runtime.keys.create("bench", "ingest")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/v1/events"
    try:
        return {
            "single": _measure(url, token, [_wire(e, 0) for e in events[:3000]], concurrency, 1),
            "batched": _measure(
                url,
                token,
                [
                    {"events": [_wire(e, 1) for e in events[i : i + batch]]}
                    for i in range(0, len(events), batch)
                ],
                max(2, concurrency // 4),
                batch,
            ),
        }
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        runtime.close()


def _measure(
    url: str, token: str, bodies: Sequence[Any], concurrency: int, per: int
) -> dict[str, Any]:
    elapsed, lat, errors = asyncio.run(_drive(url, token, bodies, concurrency))
    decisions = sum(len(b["events"]) if "events" in b else 1 for b in bodies)
    return {
        "requests": len(bodies),
        "events_per_request": per,
        "concurrency": concurrency,
        "decisions_per_s": round(decisions / elapsed),
        "request_us": percentiles(lat),
        "errors": errors,
    }
