"""Benchmark: one member queries a batch against another member's published list.

Measures what a query costs both sides with the same code the node uses
(:func:`make_setups`, :class:`PsiServer`, :class:`PsiClient`): publish (hash to curve,
encrypt, compress), the querier's blinding, the holder's answer, the querier's test, and the
bytes of each message. The setup travels once per publication; request and response per query.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from riskline.consortium.psi import PsiClient, PsiServer, make_setups

__all__ = ["BenchResult", "run_bench"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BenchResult:
    """Timings (seconds) and sizes (bytes) of one publish + one query."""

    structure: str
    list_size: int
    query_size: int
    fpr: float
    expected: int
    found: int
    publish_s: float
    request_s: float
    answer_s: float
    intersect_s: float
    setup_bytes: int
    request_bytes: int
    response_bytes: int
    cpu_s: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    """CPU seconds of publish, blind, answer, test (steadier than wall time on a busy host)."""

    def lines(self) -> list[str]:
        """The figures as printable lines."""
        mb = 1024 * 1024
        per_query = (self.request_bytes + self.response_bytes) / mb
        query_s = self.request_s + self.answer_s + self.intersect_s
        return [
            f"structure={self.structure} list={self.list_size:,} query={self.query_size:,} "
            f"fpr={self.fpr:g} matches expected={self.expected} found={self.found}",
            f"  publish (holder, once per version): {self.publish_s:.1f} s, "
            f"setup {self.setup_bytes / mb:.2f} MiB ({self.setup_bytes * 8 / self.list_size:.1f}"
            " bits/entry)",
            f"  query: blind {self.request_s:.1f} s + answer {self.answer_s:.1f} s + test "
            f"{self.intersect_s:.1f} s = {query_s:.1f} s",
            "  CPU seconds: publish {:.1f}, blind {:.1f}, answer {:.1f}, test {:.1f}".format(
                *self.cpu_s
            ),
            f"  bytes per query: request {self.request_bytes / mb:.2f} MiB + response "
            f"{self.response_bytes / mb:.2f} MiB = {per_query:.2f} MiB; first query of a "
            f"version also fetches the setup: {(self.setup_bytes / mb + per_query):.2f} MiB",
        ]


def _timed(fn: Callable[[], T], cpu: list[float]) -> tuple[T, float]:
    """Run ``fn``; its wall time, and its process CPU time appended to ``cpu``."""
    start, start_cpu = time.perf_counter(), time.process_time()
    out = fn()
    cpu.append(time.process_time() - start_cpu)
    return out, time.perf_counter() - start


def _tokens(prefix: str, n: int) -> list[str]:
    return [f"cph_{hashlib.sha256(f'{prefix}{i}'.encode()).hexdigest()[:32]}" for i in range(n)]


def run_bench(
    list_size: int = 1_000_000,
    query_size: int = 100_000,
    overlap: float = 0.01,
    fpr: float = 1e-9,
    structure: str = "gcs",
) -> BenchResult:
    """Publish ``list_size`` tokens, query ``query_size`` of which ``overlap`` are listed."""
    listed = _tokens("listed-", list_size)
    hits = min(list_size, int(query_size * overlap))
    query = listed[:hits] + _tokens("clean-", query_size - hits)
    cpu: list[float] = []
    (key, setups), publish_s = _timed(
        lambda: make_setups(None, {"cash_out": listed}, query_size, fpr, structure), cpu
    )
    setup = setups["cash_out"]
    client = PsiClient(reveal=True)
    request, request_s = _timed(lambda: client.request(query), cpu)
    (response, _), answer_s = _timed(lambda: PsiServer(key).answer(request, reveal=True), cpu)
    found, intersect_s = _timed(lambda: client.matches(setup, response), cpu)
    return BenchResult(
        structure,
        list_size,
        query_size,
        fpr,
        hits,
        len(found),
        publish_s,
        request_s,
        answer_s,
        intersect_s,
        len(setup),
        len(request),
        len(response),
        (cpu[0], cpu[1], cpu[2], cpu[3]),
    )
