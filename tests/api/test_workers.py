"""``riskline serve --workers 2`` (a writer process and a front process) answers as one process.

Real processes on real sockets with temp SQLite databases: the single-process server and the
multi-process one are started side by side from the same command and sent the same requests.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from riskline.bench.common import free_port
from riskline.storage import KeyStore, connect, upgrade
from tests.api.test_fastpath import _requests, _stable
from tests.factories import wire

SECRET = "workers-test-secret-0123456789abcdef"
CLOCKS = {"decided_at", "latency_us"}  # each server's own clock: the fields that may differ


@dataclass
class Server:
    """A ``riskline serve`` process, its database and one key per role."""

    proc: subprocess.Popen[bytes]
    url: str
    database_url: str
    tokens: dict[str, str]
    key_ids: dict[str, str]

    def post(self, role: str | None, content: bytes) -> tuple[int, Any, str | None]:
        headers = {"Content-Type": "application/json"}
        if role == "nobody":
            headers["Authorization"] = "Bearer rk_0000_nothing"
        elif role is not None:
            token = self.tokens[role]
            headers.update({"X-API-Key": token} if role == "admin" else _bearer(token))
        r = httpx.post(f"{self.url}/v1/events", content=content, headers=headers, timeout=10)
        return r.status_code, _without_clock(r.json()), r.headers.get("retry-after")

    def get(self, path: str, role: str | None = None) -> httpx.Response:
        headers = _bearer(self.tokens[role]) if role is not None else {}
        return httpx.get(f"{self.url}{path}", headers=headers, timeout=10)

    def metric(self, name: str) -> float:
        text = self.get("/metrics", "admin").text
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith(name) and not line.startswith("#")
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _without_clock(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: _without_clock(v) for k, v in body.items() if k not in CLOCKS}
    if isinstance(body, list):
        return [_without_clock(v) for v in body]
    return body


def _start(folder: Path, workers: int, **env: str) -> Server:
    folder.mkdir()
    url = f"sqlite:///{folder}/riskline.db"
    db = connect(url)
    upgrade(db)
    store = KeyStore(db)
    made = {role: store.create(f"{role}-key", role) for role in ("ingest", "analyst", "admin")}
    db.dispose()
    port = free_port()
    environ = {
        **os.environ,
        "RISKLINE_DATABASE_URL": url,
        "RISKLINE_PII_SECRET": SECRET,
        "RISKLINE_PORT": str(port),
        "RISKLINE_MAX_BODY_BYTES": "4096",
        "RISKLINE_MONITORING_EVERY_SECONDS": "0",
        **{f"RISKLINE_{k.upper()}": v for k, v in env.items()},
    }
    args = [sys.executable, "-m", "riskline", "serve", "--workers", str(workers)]
    proc = subprocess.Popen(args, env=environ)
    server = Server(
        proc,
        f"http://127.0.0.1:{port}",
        url,
        {role: token for role, (_, token) in made.items()},
        {role: key.key_id for role, (key, _) in made.items()},
    )
    return server


def _ready(*servers: Server) -> None:
    deadline = time.monotonic() + 120
    waiting = list(servers)
    while waiting and time.monotonic() < deadline:
        for server in list(waiting):
            assert server.proc.poll() is None, "the server exited at start"
            try:
                if server.get("/healthz").status_code == 200:
                    waiting.remove(server)
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    assert not waiting, "the servers did not start"


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    """The single process and ``--workers 2``, same settings, each on its own database."""
    root = tmp_path_factory.mktemp("workers")
    one, two = _start(root / "one", 1), _start(root / "two", 2)
    try:
        _ready(one, two)
        yield one, two
    finally:
        one.stop()
        two.stop()


def test_the_fronts_answer_every_request_as_the_single_process(
    pair: tuple[Server, Server],
) -> None:
    one, two = pair
    for role, content in _requests():
        assert two.post(role, content) == one.post(role, content), content
    too_big = json.dumps(wire("login", ip="1" * 5000)).encode()
    assert two.post("ingest", too_big) == one.post("ingest", too_big)
    for path, role in (("/healthz", None), ("/v1/nowhere", "analyst"), ("/metrics", "ingest")):
        a, b = one.get(path, role), two.get(path, role)
        assert (b.status_code, b.content) == (a.status_code, a.content), path
    # the writer's /metrics counts every event, decided on the fronts' fast path or not
    for name in ("riskline_events_total", "riskline_replays_total", "riskline_rejected_total"):
        assert two.metric(name) == one.metric(name), name
    assert one.metric("riskline_events_total") == 6
    assert two.metric("riskline_events_fast_path_total") == 4  # as in the single process


def test_a_replay_on_the_fronts_is_the_same_answer_and_no_second_event(
    pair: tuple[Server, Server],
) -> None:
    _, two = pair
    body = json.dumps({"events": [wire("payment", amount="12.00"), wire("login")]}).encode()
    first = two.post("ingest", body)
    again = two.post("ingest", body)
    assert first[0] == again[0] == 200
    assert again[1]["replayed"] == [True, True]
    assert _stable(again[1]["decisions"]) == _stable(first[1]["decisions"])


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Server]:
    """``--workers 2`` with a 1-second key cache and a rate limit of 1/s, bursts of 2."""
    server = _start(
        tmp_path / "limited",
        2,
        key_cache_seconds="1",
        rate_limit_per_s="1",
        rate_limit_burst="2",
    )
    try:
        _ready(server)
        yield server
    finally:
        server.stop()


def _login() -> bytes:
    return json.dumps(wire("login")).encode()


def test_rate_limits_revocation_and_a_dead_writer(limited: Server) -> None:
    # the rate limit: one bucket per key, as in one process (first request verifies the key)
    answers = [limited.post("ingest", _login()) for _ in range(3)]
    assert [a[0] for a in answers] == [200, 200, 429]
    assert answers[2][1]["error"] == "rate_limited" and answers[2][2] == "1"

    # a revoked key is refused within the key cache's second, though the front knew it
    assert limited.post("admin", _login())[0] == 200
    revoked_at = time.monotonic()
    db = connect(limited.database_url)
    KeyStore(db).revoke(limited.key_ids["admin"])
    db.dispose()
    while (answer := limited.post("admin", _login()))[0] != 401:
        assert answer[0] in (200, 429)  # known to the front still, or beyond its rate
        assert time.monotonic() - revoked_at < 3.0, "the revoked key was still accepted"
        time.sleep(0.2)
    assert answer[1]["error"] == "unauthenticated"
    assert limited.post("admin", _login())[0] == 401

    # the writer dies: the front answers 503 at once (no hang), then the writer is back
    time.sleep(1.1)  # a fresh token for the ingest key
    accepted = _login()
    assert limited.post("ingest", accepted)[0] == 200
    os.kill(_writer_pid(limited.proc.pid), signal.SIGKILL)
    time.sleep(0.3)
    started = time.monotonic()
    status, body, retry = limited.post("ingest", _login())
    assert (status, body["error"], retry) == (503, "unavailable", "1")
    assert time.monotonic() - started < 2.0
    deadline = time.monotonic() + 120
    while True:  # the supervisor starts a new writer, which replays the ledger
        status, body, _ = limited.post("ingest", accepted)
        if status != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert status == 200 and body["replayed"] is True  # committed before its first 2xx


def _writer_pid(supervisor: int) -> int:
    """The supervisor's child running ``riskline.api.writer``."""
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    for pid in children:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if b"riskline.api.writer" in cmdline:
            return int(pid)
    raise AssertionError(f"no writer among {children}")
