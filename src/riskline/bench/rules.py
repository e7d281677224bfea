"""Measure rule evaluation cost: one expression, a whole rule set, and the backtest paths.

Run ``python -m riskline.bench.rules [--rows N]``. Per-call figures are CPU time of this
process; backtest figures are wall-clock (polars uses several threads).
"""

from __future__ import annotations

import argparse
import time
import timeit
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import polars as pl

from riskline.rules.backtest import backtest
from riskline.rules.expression import compile_expression
from riskline.rules.functions import Frame
from riskline.rules.lists import ListEntry, MemoryListStore
from riskline.rules.loader import load_ruleset_text
from riskline.rules.ruleset import RuleSet

__all__ = ["EXPRESSIONS", "SCHEMA", "main", "per_call_ns"]

NOW = datetime(2026, 6, 1, 3, tzinfo=UTC)
SCHEMA = {
    "device.accounts_30d": "number",
    "account.age_days": "number",
    "event.device_id": "string",
    "graph.flagged_within_2": "number",
    "payment.amount": "number",
    "account.available_limit": "number",
    "event.occurred_at": "time",
}
VALUES: dict[str, object] = {
    "device.accounts_30d": 5.0,
    "account.age_days": 3.0,
    "event.device_id": "d42",
    "graph.flagged_within_2": 0.0,
    "payment.amount": 950.0,
    "account.available_limit": 1000.0,
    "event.occurred_at": NOW,
}
QUIET: dict[str, object] = {
    **VALUES,
    "device.accounts_30d": 1.0,
    "account.age_days": 300.0,
    "event.device_id": "d7",
    "payment.amount": 10.0,
    "event.occurred_at": NOW.replace(hour=12),
}
"""Values on which no rule fires (the common case in production)."""

EXPRESSIONS = {
    "compare": "device.accounts_30d >= 4",
    "and": "device.accounts_30d >= 4 and account.age_days < 7",
    "in_list or": 'in_list("block", "device", event.device_id) or graph.flagged_within_2 > 0',
    "arith+time": "payment.amount >= 0.9 * account.available_limit"
    " and not (hour_of(event.occurred_at) between 7 and 22)",
}


def per_call_ns(fn: Callable[[], object], repeat: int = 5, number: int = 20_000) -> float:
    """Best-of-``repeat`` CPU nanoseconds per call of ``fn``.

    CPU time (``process_time``), not wall time: on a shared machine the wall clock also
    counts the time other processes held the core.
    """
    runs = timeit.repeat(fn, repeat=repeat, number=number, timer=time.process_time)
    return min(runs) / number * 1e9


def _lists() -> MemoryListStore:
    store = MemoryListStore()
    store.add(ListEntry("block", "device", "d1", "bench", datetime(2026, 1, 1, tzinfo=UTC)))
    return store


def _ruleset(copies: int) -> RuleSet:
    body = []
    for i in range(copies):
        for name, src in EXPRESSIONS.items():
            rid = f"{name.replace(' ', '_').replace('+', '_')}_{i}"
            quoted = src.replace("'", "''")
            body.append(
                f"  - {{id: {rid}, when: '{quoted}', outcome: review, reason_code: R,"
                f" text_key: t, owner: bench, mode: {'shadow' if i % 2 else 'active'}}}"
            )
    return load_ruleset_text('version: "bench"\nrules:\n' + "\n".join(body), SCHEMA)


def _history(rows: int) -> pl.DataFrame:
    rng = np.random.default_rng(7)
    return pl.DataFrame(
        {
            "device.accounts_30d": rng.integers(0, 8, rows).astype(float),
            "account.age_days": rng.exponential(60, rows),
            "event.device_id": [f"d{i}" for i in rng.integers(0, 1000, rows)],
            "graph.flagged_within_2": rng.poisson(0.05, rows).astype(float),
            "payment.amount": rng.exponential(500, rows),
            "account.available_limit": rng.uniform(500, 5000, rows),
            "event.occurred_at": pl.datetime_range(
                datetime(2026, 1, 1, tzinfo=UTC), NOW, "1s", eager=True
            ).head(rows),
            "label": rng.integers(0, 2, rows),
        }
    )


def _bench_expressions(lists: MemoryListStore) -> None:
    frame = Frame(VALUES, lists, NOW)
    empty = per_call_ns(lambda: None)
    print(f"calibration: an empty Python call costs {empty:.0f} ns CPU on this machine")
    for name, src in EXPRESSIONS.items():
        compiled = compile_expression(src, SCHEMA)
        ns = per_call_ns(lambda c=compiled: c.evaluate(frame))  # type: ignore[misc]
        print(f"expression {name:<11} {ns:8.0f} ns/eval   {src}")


def _bench_ruleset(lists: MemoryListStore) -> RuleSet:
    started = time.perf_counter()
    rs = _ruleset(5)
    load_ms = (time.perf_counter() - started) * 1e3
    print(f"rule set of {len(rs.rules)} rules (half shadow): load+compile {load_ms:.1f} ms")
    for label, values in (("no rule fires", QUIET), ("every rule fires", VALUES)):
        total = per_call_ns(lambda v=values: rs.evaluate(v, lists, NOW), number=2_000)  # type: ignore[misc]
        per_rule = total / len(rs.rules)
        print(f"  evaluate, {label:<16} {total / 1e3:7.1f} µs/event = {per_rule:5.0f} ns/rule")
    return rs


def _bench_backtest(rs: RuleSet, rows: int) -> None:
    history = _history(rows)
    vectorisable = RuleSet("v", tuple(r for r in rs.rules if "in_list" not in r.when.source))
    n = len(vectorisable.rules)
    for flag in (True, False):
        t0 = time.perf_counter()
        report = backtest(vectorisable, history, "label", now=NOW, vectorise=flag)
        dt = time.perf_counter() - t0
        kind = "vectorised" if flag else "row-by-row"
        print(
            f"backtest {kind:<10} {n} rules x {rows} rows: {dt:.2f} s"
            f" ({dt / (rows * n) * 1e9:.0f} ns/rule/row; {report.vectorised_rules} vectorised)"
        )


def main(argv: list[str] | None = None) -> None:
    """Print the measurements."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args(argv)
    lists = _lists()
    _bench_expressions(lists)
    rs = _bench_ruleset(lists)
    _bench_backtest(rs, args.rows)


if __name__ == "__main__":
    main()
