"""``riskline stream bench``: throughput and end-to-end latency of stream mode.

For each worker count: a fresh PostgreSQL database and fresh streams, that many
``riskline worker`` processes, then (1) a burst of events, throughput = events / (last
decision's stream time - first event's stream time); (2) events offered at a steady
rate, latency = decision's stream time - event's stream time (both stamped by the NATS
server, so no clocks are compared across processes). The in-process figure decides the
same events with one engine on PostgreSQL in the same run.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import text

from riskline.api.workers import stop_processes
from riskline.bench.common import BENCH_SECRET, percentiles, sample_events
from riskline.config import Settings
from riskline.events import Event
from riskline.runtime import build_runtime
from riskline.storage import connect, upgrade
from riskline.stream.bridge import JetStream
from riskline.stream.names import StreamNames
from riskline.stream.publish import PublishReport, publish_events

__all__ = ["bench_stream", "fresh_database", "spawn_worker", "wait_ready"]


@contextlib.contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new empty PostgreSQL database (migrated), dropped afterwards."""
    admin = connect(admin_url, isolation_level="AUTOCOMMIT")
    name = f"riskline_s_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    db = connect(url)
    upgrade(db)
    db.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def spawn_worker(
    db_url: str,
    nats_url: str,
    prefix: str,
    slot: int,
    slots: int,
    secret: str,
    batch: int = 256,
    observe: str = "all",
) -> subprocess.Popen[bytes]:
    """``riskline worker`` in its own process (stderr piped: it says when it is ready)."""
    env = {
        **os.environ,
        "RISKLINE_DATABASE_URL": db_url,
        "RISKLINE_PII_SECRET": secret,
        "RISKLINE_MODEL_DIR": os.environ.get("RISKLINE_MODEL_DIR", "/nonexistent-models"),
    }
    cmd = [sys.executable, "-m", "riskline", "worker", "--slot", str(slot), "--slots", str(slots)]
    cmd += ["--batch", str(batch), "--nats-url", nats_url, "--prefix", prefix]
    cmd += ["--observe", observe]
    return subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)


def wait_ready(proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    """Block until the worker printed its ready line (or fail with its stderr); then keep
    reading its stderr on a thread so a chatty worker never blocks on a full pipe."""
    assert proc.stderr is not None
    stderr = proc.stderr
    deadline = time.monotonic() + timeout
    seen = b""
    while time.monotonic() < deadline:
        line = stderr.readline()
        seen += line
        if b"ready at stream position" in line:
            threading.Thread(target=_drain, args=(stderr,), daemon=True).start()
            return
        if not line and proc.poll() is not None:
            break
    raise RuntimeError(f"worker did not start: {seen.decode(errors='replace')[-2000:]}")


def _drain(pipe: IO[bytes]) -> None:
    with contextlib.suppress(ValueError, OSError):
        for _ in pipe:
            pass


def stop(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM, then wait (kill after 30 s); close the pipes read from them."""
    stop_processes(procs)
    for p in procs:
        if p.stderr is not None:
            p.stderr.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stamps(js: JetStream, stream: str, key: Callable[[bytes], str]) -> dict[str, float]:
    """Stream timestamp (epoch s) of every message of ``stream`` by ``key(body)``."""
    return {key(m.data): m.at.timestamp() for m in js.replay(stream, js.last_seq(stream))}


def event_and_decision_stamps(js: JetStream) -> tuple[dict[str, float], dict[str, float]]:
    """Stream timestamps by event id: of each event, and of each event's decision."""
    names = js.names
    return stamps(js, names.events_stream, _event_id), stamps(
        js, names.decisions_stream, _decision_event
    )


def _decision_event(body: bytes) -> str:
    return str(orjson.loads(body)["data"]["event_id"])


def _event_id(body: bytes) -> str:
    return str(orjson.loads(body)["event_id"])


def wait_decisions(js: JetStream, n: int, timeout: float) -> None:
    """Until the decisions stream holds ``n`` messages."""
    deadline = time.monotonic() + timeout
    while js.last_seq(js.names.decisions_stream) < n:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {js.last_seq(js.names.decisions_stream)} of {n} decisions")
        time.sleep(0.2)


def _run_workers(
    count: int,
    burst: list[Event],
    paced: list[Event],
    rate: float,
    nats: str,
    admin: str,
    observe: str,
) -> dict[str, Any]:
    names = StreamNames(f"bench_{uuid.uuid4().hex[:8]}")
    js = JetStream(nats, names)
    js.ensure_streams()
    try:
        with fresh_database(admin) as url:
            procs = [
                spawn_worker(url, nats, names.prefix, k, count, BENCH_SECRET, observe=observe)
                for k in range(count)
            ]
            try:
                for p in procs:
                    wait_ready(p)
                cpu0 = [cpu_seconds(p.pid) for p in procs]
                report = PublishReport()
                for i in range(0, len(burst), 500):
                    publish_events(js, burst[i : i + 500], report)
                wait_decisions(js, len(burst), timeout=1800)
                cpu = [cpu_seconds(p.pid) - c for p, c in zip(procs, cpu0, strict=True)]
                t_pub = time.monotonic()
                for i, e in enumerate(paced):
                    publish_events(js, [e], report)
                    time.sleep(max(0.0, t_pub + (i + 1) / rate - time.monotonic()))
                wait_decisions(js, len(burst) + len(paced), timeout=600)
            finally:
                stop(procs)
            ev, dec = event_and_decision_stamps(js)
    finally:
        js.delete_streams()
        js.close()
    ids = [e.event_id for e in burst]
    span = max(dec[i] for i in ids) - min(ev[i] for i in ids)
    lat = [(dec[e.event_id] - ev[e.event_id]) * 1e6 for e in paced]
    return {
        "workers": count,
        "observe": observe,
        "events": len(burst),
        "events_per_s": round(len(burst) / span, 1),
        "worker_cpu_s": [round(c, 2) for c in cpu],
        "events_per_cpu_s": round(len(burst) / sum(cpu), 1),
        "latency_run": {"events": len(paced), "offered_per_s": rate, **percentiles(lat)},
    }


def _in_process(events: list[Event], admin: str) -> dict[str, Any]:
    with fresh_database(admin) as url:
        models = os.environ.get("RISKLINE_MODEL_DIR", "/nonexistent-models")  # as the workers
        settings = Settings(database_url=url, pii_secret=BENCH_SECRET, model_dir=Path(models))
        runtime = build_runtime(settings, replay=False)
        try:
            t0, cpu0 = time.perf_counter(), time.process_time()
            for i in range(0, len(events), 256):
                runtime.engine.process_batch(events[i : i + 256])
            took, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        finally:
            runtime.close()
    return {
        "events": len(events),
        "events_per_s": round(len(events) / took, 1),
        "events_per_cpu_s": round(len(events) / cpu, 1),
    }


def bench_stream(
    events: int,
    worker_counts: Sequence[int],
    rate: float,
    latency_events: int,
    nats_url: str,
    admin_url: str,
    progress: Callable[[str], object] = print,
    observe: str = "all",
) -> dict[str, Any]:
    """Figures for each worker count and in process (see the module docstring)."""
    _, sample = sample_events(events + latency_events)
    burst, paced = sample[:events], sample[events:]
    progress(f"in process: {events} events")
    out: dict[str, Any] = {"in_process": _in_process(burst, admin_url), "stream": []}
    for count in worker_counts:
        progress(f"stream, {count} worker(s)")
        run = _run_workers(count, burst, paced, rate, nats_url, admin_url, observe)
        out["stream"].append(run)
    return out
