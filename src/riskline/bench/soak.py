"""Soak: a real ``riskline serve`` on loopback driven at a fixed rate for minutes.

The client is open-loop: requests leave on a fixed schedule whatever the server's latency, so a
slow server shows up as latency and a backlog, not as a politely lower rate. Every ``interval``
seconds it records the achieved rate, request latency p50/p99, errors, and the server's
resident memory (``/proc/<pid>/status``). The event stream is a simulated world replayed in
loops: each loop shifts times forward by the world's span and suffixes event ids, and skips
registrations after the first loop, so the same population keeps transacting (a steady state in
which windows expire) rather than an ever-growing one.

Memory verdict: growth between the end of warm-up (a quarter of the run) and the end, against
``bound_mb``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from riskline.bench.common import percentiles, temp_settings
from riskline.bench.http import _free_port, _serve
from riskline.storage import KeyStore, connect, upgrade

__all__ = ["SoakSample", "replayed_world", "soak"]

_REGISTRATIONS = {"account_opened", "merchant_registered", "enterprise_registered"}


@dataclass
class SoakSample:
    """One interval of the run."""

    t_s: float
    events_per_s: float
    request_p50_ms: float
    request_p99_ms: float
    errors: int
    rss_mb: float


@dataclass
class _Window:
    lat_us: list[float] = field(default_factory=list)
    events: int = 0
    errors: int = 0


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def replayed_world(wires: Sequence[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The world in loops: times shifted by its span, ids suffixed, registrations once."""
    times = [datetime.fromisoformat(w["occurred_at"]) for w in wires]
    span = max(times) - min(times) + timedelta(hours=1)
    loop = 0
    while True:
        for wire, at in zip(wires, times, strict=True):
            if loop and wire["type"] in _REGISTRATIONS:
                continue
            yield {
                **wire,
                "event_id": f"{wire['event_id']}-L{loop}",
                "occurred_at": (at + span * loop).isoformat(),
            }
        loop += 1


async def _drive(
    url: str,
    token: str,
    events: Iterator[dict[str, Any]],
    rate: float,
    batch: int,
    seconds: float,
    interval: float,
    pid: int,
) -> list[SoakSample]:
    headers = {"Authorization": f"Bearer {token}"}
    window = _Window()
    samples: list[SoakSample] = []
    pending: set[asyncio.Task[None]] = set()

    async def send(client: httpx.AsyncClient, body: dict[str, Any], n: int) -> None:
        t0 = time.perf_counter_ns()
        try:
            r = await client.post(url, json=body, headers=headers)
            ok = r.status_code == 200
        except httpx.HTTPError:
            ok = False
        window.lat_us.append((time.perf_counter_ns() - t0) / 1000)
        window.events += n if ok else 0
        window.errors += not ok

    period = batch / rate
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=64), timeout=60) as client:
        start = time.perf_counter()
        next_send, next_sample, k = start, start + interval, 0
        while (now := time.perf_counter()) < start + seconds:
            if now >= next_sample:
                stats = percentiles(window.lat_us)
                samples.append(
                    SoakSample(
                        round(now - start, 1),
                        round(window.events / interval, 1),
                        round(stats["p50_us"] / 1000, 2),
                        round(stats["p99_us"] / 1000, 2),
                        window.errors,
                        round(_rss_mb(pid), 1),
                    )
                )
                window = _Window()
                next_sample += interval
            if now >= next_send:
                body = {"events": [next(events) for _ in range(batch)]}
                task = asyncio.create_task(send(client, body, batch))
                pending.add(task)
                task.add_done_callback(pending.discard)
                k += 1
                next_send = start + k * period
            await asyncio.sleep(max(0.0, min(next_send, next_sample) - time.perf_counter()))
        await asyncio.gather(*pending)
    return samples


def soak(
    minutes: float = 10.0,
    rate: float = 500.0,
    batch: int = 25,
    interval: float = 10.0,
    world_events: int = 60_000,
    bound_mb: float = 64.0,
) -> dict[str, Any]:
    """Run ``riskline serve`` (full pipeline, durable SQLite) at ``rate`` events/s."""
    from riskline.bench.common import sample_events

    wires, _ = sample_events(world_events)
    settings, _ = temp_settings()
    db = connect(settings.database_url)
    upgrade(db)
    _, token = KeyStore(db).create("soak", "ingest")
    db.dispose()
    port = _free_port()
    server = _serve(settings, port, "riskline")
    try:
        samples = asyncio.run(
            _drive(
                f"http://127.0.0.1:{port}/v1/events",
                token,
                replayed_world(wires),
                rate,
                batch,
                minutes * 60,
                interval,
                server.pid,
            )
        )
    finally:
        server.terminate()
        server.wait(timeout=60)
    warm = samples[len(samples) // 4] if samples else None
    last = samples[-1] if samples else None
    growth = (last.rss_mb - warm.rss_mb) if warm and last else float("nan")
    steady = samples[len(samples) // 4 :]
    return {
        "minutes": minutes,
        "target_events_per_s": rate,
        "events_per_request": batch,
        "achieved_events_per_s": round(sum(s.events_per_s for s in steady) / max(1, len(steady))),
        "errors": sum(s.errors for s in samples),
        "worst_p99_ms": max((s.request_p99_ms for s in steady), default=float("nan")),
        "rss_after_warmup_mb": warm.rss_mb if warm else None,
        "rss_end_mb": last.rss_mb if last else None,
        "rss_growth_mb": round(growth, 1),
        "memory_bound_mb": bound_mb,
        "memory_flat": bool(growth <= bound_mb),
        "samples": [s.__dict__ for s in samples],
    }
