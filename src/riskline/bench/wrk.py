"""Single-event HTTP load with ``wrk`` (Debian package ``wrk``), when it is installed.

An asyncio Python client saturates before the server does on a 2-core machine; ``wrk`` is a
C load generator, so the server is what gets measured. Every request is a ``login`` event
with a unique id (durable, decided by the full engine).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["run_wrk", "wrk_available", "wrk_figures"]

_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  local id = "wrk-" .. tostring(math.random(1, 1000000000)) .. "-" .. counter
  local body = '{"type":"login","event_id":"' .. id .. '","occurred_at":"2026-03-01T10:00:00Z",'
    .. '"account_id":"a' .. (counter % 5000) .. '","device_id":"d' .. (counter % 3000)
    .. '","ip":"10.0.0.1"}'
  return wrk.format("POST", "/v1/events", {["Content-Type"]="application/json",
    ["Authorization"]="Bearer " .. os.getenv("RISKLINE_BENCH_TOKEN")}, body)
end
"""
_UNITS = {"us": 1.0, "ms": 1000.0, "s": 1_000_000.0}


def wrk_available() -> bool:
    """Whether ``wrk`` is on the PATH."""
    return shutil.which("wrk") is not None


def run_wrk(base_url: str, token: str, seconds: int = 10, connections: int = 32) -> dict[str, Any]:
    """Drive ``POST /v1/events`` for ``seconds``; decisions/s, latency percentiles, errors."""
    script = Path(tempfile.mkdtemp(prefix="riskline-wrk-")) / "post.lua"
    script.write_text(_SCRIPT)
    args = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(script),
        base_url,
    ]
    env = {**os.environ, "RISKLINE_BENCH_TOKEN": token}
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=True).stdout
    return wrk_figures(out, connections=connections)


def wrk_figures(out: str, *, connections: int) -> dict[str, Any]:
    r"""Figures of a ``wrk`` run: decisions/s counts answered (2xx) requests only.

    wrk's own ``Requests/sec`` counts every response, refusals (429) and errors included;
    those are reported apart, as ``non_2xx``, and excluded from ``decisions_per_s``.

    >>> out = ("  Latency Distribution\n     50%  1.00ms\n     99%  9.50ms\n"
    ...        "  3000 requests in 10.00s, 1.00MB read\n"
    ...        "  Non-2xx or 3xx responses: 1000\nRequests/sec:    300.00\n")
    >>> f = wrk_figures(out, connections=8)
    >>> f["decisions_per_s"], f["requests_per_s"], f["non_2xx"], f["request_us"]["p99_us"]
    (200, 300, 1000, 9500.0)
    """
    requests, seconds = re.search(  # type: ignore[union-attr]
        r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out
    ).groups()[:2]
    unit = re.search(r"\d+ requests in [\d.]+(us|ms|s|m)", out).group(1)  # type: ignore[union-attr]
    elapsed = float(seconds) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]
    non_2xx = int(_find(r"Non-2xx or 3xx responses:\s+(\d+)", out, "0"))
    answered = int(requests) - non_2xx
    return {
        "tool": "wrk",
        "connections": connections,
        "seconds": round(elapsed, 2),
        "requests": int(requests),
        "requests_per_s": round(int(requests) / elapsed),
        "decisions": answered,
        "decisions_per_s": round(answered / elapsed),
        "request_us": {f"p{p}_us": _latency(out, p) for p in (50, 99)},
        "non_2xx": non_2xx,
    }


def _find(pattern: str, text: str, default: str | None = None) -> str:
    found = re.search(pattern, text)
    if found is None:
        if default is None:
            raise RuntimeError(f"unexpected wrk output: {text[:200]}")
        return default
    return found.group(1)


def _latency(text: str, pct: int) -> float:
    value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return round(float(value) * _UNITS[unit], 1)
