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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from riskline.bench.common import free_port, percentiles, temp_settings
from riskline.bench.http import _serve
from riskline.storage import KeyStore, connect, upgrade

__all__ = ["SoakSample", "replayed_world", "soak", "soak_stream"]

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


def replayed_world(
    wires: Sequence[dict[str, Any]], end: datetime | None = None, loops: int = 1
) -> Iterator[dict[str, Any]]:
    """The world in loops: times shifted by its span, ids suffixed, registrations once.

    With ``end``, the first ``loops`` loops are placed so that the last of them ends at ``end``
    (a server refuses events from its future); later loops go on past it.
    """
    times = [datetime.fromisoformat(w["occurred_at"]) for w in wires]
    span = max(times) - min(times) + timedelta(hours=1)
    base = timedelta(0) if end is None else (end - max(times)) - span * (loops - 1)
    loop = 0
    while True:
        for wire, at in zip(wires, times, strict=True):
            if loop and wire["type"] in _REGISTRATIONS:
                continue
            yield {
                **wire,
                "event_id": f"{wire['event_id']}-L{loop}",
                "occurred_at": (at + base + span * loop).isoformat(),
            }
        loop += 1


def _loops(wires: Sequence[dict[str, Any]], events: float) -> int:
    """How many loops of the world ``events`` events take."""
    per_loop = sum(1 for w in wires if w["type"] not in _REGISTRATIONS)
    return int(events // max(1, per_loop)) + 2


async def _drive(
    url: str,
    token: str,
    events: Iterator[dict[str, Any]],
    rate: float,
    batch: int,
    seconds: float,
    interval: float,
    pid: int,
) -> tuple[list[SoakSample], list[str]]:
    headers = {"Authorization": f"Bearer {token}"}
    window = _Window()
    samples: list[SoakSample] = []
    pending: set[asyncio.Task[None]] = set()
    examples: list[str] = []

    async def send(client: httpx.AsyncClient, body: dict[str, Any], n: int) -> None:
        t0 = time.perf_counter_ns()
        try:
            r = await client.post(url, json=body, headers=headers)
            ok = r.status_code == 200
            if not ok and len(examples) < 5:
                examples.append(f"{r.status_code}: {r.text[:200]}")
        except httpx.HTTPError as err:
            ok = False
            if len(examples) < 5:
                examples.append(f"{type(err).__name__}: {err}")
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
    return samples, examples


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
    port = free_port()
    server = _serve(settings, port, "riskline")
    try:
        samples, examples = asyncio.run(
            _drive(
                f"http://127.0.0.1:{port}/v1/events",
                token,
                replayed_world(
                    wires,
                    datetime.now(UTC) - timedelta(minutes=1),
                    _loops(wires, rate * minutes * 60),
                ),
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
        "error_examples": examples,
        "samples": [s.__dict__ for s in samples],
    }


def soak_stream(
    minutes: float = 10.0,
    rate: float = 150.0,
    workers: int = 1,
    interval: float = 10.0,
    world_events: int = 60_000,
    bound_mb: float = 64.0,
    nats_url: str = "nats://127.0.0.1:4222",
    admin_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/test",
) -> dict[str, Any]:
    """``riskline worker`` processes on NATS JetStream and PostgreSQL, fed at ``rate`` events/s.

    Every ``interval`` seconds: events published, decisions on the decisions stream, dead
    letters, and each worker's resident memory. Latency per event is the decision's stream
    timestamp minus the event's (both stamped by the NATS server), summarised per interval.
    """
    import uuid

    from riskline.bench.common import BENCH_SECRET, sample_events
    from riskline.bench.stream import (
        event_and_decision_stamps,
        fresh_database,
        spawn_worker,
        stop,
        wait_decisions,
        wait_ready,
    )
    from riskline.events import PiiHasher, parse_event
    from riskline.stream.bridge import JetStream
    from riskline.stream.names import StreamNames
    from riskline.stream.publish import PublishReport, publish_events

    wires, _ = sample_events(world_events)
    hasher = PiiHasher(BENCH_SECRET.encode())
    end = datetime.now(UTC) - timedelta(minutes=1)
    source = replayed_world(wires, end, _loops(wires, rate * minutes * 60))
    names = StreamNames(f"soak_{uuid.uuid4().hex[:8]}")
    js = JetStream(nats_url, names)
    js.ensure_streams()
    samples: list[dict[str, Any]] = []
    sent: list[tuple[float, str]] = []
    try:
        with fresh_database(admin_url) as url:
            procs = [
                spawn_worker(url, nats_url, names.prefix, k, workers, BENCH_SECRET)
                for k in range(workers)
            ]
            try:
                for p in procs:
                    wait_ready(p)
                report = PublishReport()
                start = time.monotonic()
                next_sample, k = start + interval, 0
                while (now := time.monotonic()) < start + minutes * 60:
                    due = int((now - start) * rate) - k
                    if due > 0:
                        batch = [parse_event(next(source), hasher) for _ in range(due)]
                        publish_events(js, batch, report)
                        sent += [(now - start, e.event_id) for e in batch]
                        k += due
                    if now >= next_sample:
                        samples.append(
                            {
                                "t_s": round(now - start, 1),
                                "published": k,
                                "decided": js.last_seq(names.decisions_stream),
                                "dead_letters": js.last_seq(names.dlq_stream),
                                "rss_mb": [round(_rss_mb(p.pid), 1) for p in procs],
                            }
                        )
                        next_sample += interval
                    time.sleep(0.01)
                wait_decisions(js, k, timeout=600)
            finally:
                stop(procs)
            ev, dec = event_and_decision_stamps(js)
    finally:
        js.delete_streams()
        js.close()
    by_window: dict[int, list[float]] = {}
    for t, event_id in sent:
        if event_id in dec:
            by_window.setdefault(int(t // interval), []).append(
                (dec[event_id] - ev[event_id]) * 1e6
            )
    for i, s in enumerate(samples):
        stats = percentiles(by_window.get(i, []))
        s["latency_p50_ms"] = round(stats["p50_us"] / 1000, 1)
        s["latency_p99_ms"] = round(stats["p99_us"] / 1000, 1)
    warm, last = samples[len(samples) // 4], samples[-1]
    growth = max(b - a for a, b in zip(warm["rss_mb"], last["rss_mb"], strict=True))
    steady = samples[len(samples) // 4 :]
    return {
        "minutes": minutes,
        "workers": workers,
        "target_events_per_s": rate,
        "published": len(sent),
        "decided": len(dec),
        "dead_letters": samples[-1]["dead_letters"],
        "worst_p99_ms": max(s["latency_p99_ms"] for s in steady),
        "rss_after_warmup_mb": warm["rss_mb"],
        "rss_end_mb": last["rss_mb"],
        "rss_growth_mb": round(growth, 1),
        "memory_bound_mb": bound_mb,
        "memory_flat": bool(growth <= bound_mb),
        "samples": samples,
    }
