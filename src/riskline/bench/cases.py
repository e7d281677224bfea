"""Benchmark: what the case and notice projections cost the writer, and how fast they catch up.

``python -m riskline.bench.cases --accounts 4000`` ingests the same synthetic stream twice
(accounts, some of them farms sharing a device, then payments) into fresh SQLite databases
through the live writer: once with the after-commit projections, once without; then it
replays the projections from a zero cursor over the second database. Printed, never asserted.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from riskline.cases import CaseFollower, CasePolicy
from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.events import Event, PiiHasher, parse_event
from riskline.notices import NoticeFollower
from riskline.runtime import build_runtime

__all__ = ["main", "stream"]

_T0 = datetime(2026, 3, 1, tzinfo=UTC)
_SECRET = "bench-secret-0123456789"


def stream(accounts: int, farm_every: int = 10) -> list[dict[str, Any]]:
    """Wire events: accounts (every ``farm_every``-th group of six shares a device), payments."""
    out: list[dict[str, Any]] = []
    for i in range(accounts):
        group = i // 6
        device = f"farm{group}" if group % farm_every == 0 else f"d{i}"
        at = _T0 + timedelta(seconds=i)
        out.append(
            {
                "type": "account_opened",
                "event_id": f"o{i}",
                "occurred_at": at.isoformat(),
                "account_id": f"a{i}",
                "person_id": f"p{i}",
                "device_id": device,
                "phone": f"+86 139 {i // 10000:04d} {i % 10000:04d}",
                "id_number": f"11010519800101{i % 10000:04d}",
                "ip": "10.0.0.1",
            }
        )
    for i in range(accounts):
        at = _T0 + timedelta(seconds=accounts + i)
        out.append(
            {
                "type": "payment",
                "event_id": f"pay{i}",
                "occurred_at": at.isoformat(),
                "account_id": f"a{i}",
                "merchant_id": f"m{i % 50}",
                "amount": "120.50",
            }
        )
    return out


def _run(db: Path, events: list[Event], hooks: bool, batch: int) -> float:
    settings = Settings(database_url=f"sqlite:///{db}", pii_secret=_SECRET)
    rt = build_runtime(settings, clock=FixedClock(_T0 + timedelta(days=30)))
    (project,) = rt.ingestor.after_commit
    rt.ingestor.after_commit.clear()
    spent: list[float] = []

    def timed() -> None:
        started = time.perf_counter()
        project()
        spent.append(time.perf_counter() - started)

    if hooks:
        rt.ingestor.after_commit.append(timed)
    try:
        started = time.perf_counter()
        futures = [rt.ingestor.submit(events[i : i + batch]) for i in range(0, len(events), batch)]
        for f in futures:
            f.result()
        rt.ingestor.call(lambda: None).result()
        took = time.perf_counter() - started
        if spent:
            spent.sort()
            print(
                f"projection passes: {len(spent)} after {rt.ingestor.groups} groups; "
                f"median {spent[len(spent) // 2] * 1000:.1f} ms, "
                f"p90 {spent[int(len(spent) * 0.9)] * 1000:.1f} ms, "
                f"total {sum(spent):.2f} s of {took:.2f} s writer time"
            )
        return took
    finally:
        rt.close()


def main(argv: list[str] | None = None) -> None:
    """Print events/s with and without projections, and the catch-up rate."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--accounts", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=64, help="events per submitted request")
    args = ap.parse_args(argv)
    hasher = PiiHasher(_SECRET.encode())
    events = [parse_event(b, hasher) for b in stream(args.accounts)]
    with tempfile.TemporaryDirectory() as tmp:
        off = _run(Path(tmp) / "off.db", events, False, args.batch)
        on = _run(Path(tmp) / "on.db", events, True, args.batch)
        n = len(events)
        print(f"events: {n}, request size {args.batch}")
        print(f"writer without projections: {n / off:,.0f} events/s ({off:.2f} s)")
        print(f"writer with projections:    {n / on:,.0f} events/s ({on:.2f} s)")
        from riskline.storage import connect

        db = connect(f"sqlite:///{Path(tmp) / 'off.db'}")  # nothing projected there yet
        clock = FixedClock(_T0 + timedelta(days=30))
        started = time.perf_counter()
        linked = CaseFollower(db, CasePolicy.default(), clock).catch_up()
        cases_s = time.perf_counter() - started
        started = time.perf_counter()
        written = NoticeFollower(db, clock).catch_up()
        notices_s = time.perf_counter() - started
        db.dispose()
        print(
            f"cold catch-up, cases:   {n / cases_s:,.0f} ledger events/s "
            f"({linked} review decisions linked, {cases_s:.2f} s)"
        )
        print(
            f"cold catch-up, notices: {n / notices_s:,.0f} ledger events/s "
            f"({written} notices, {notices_s:.2f} s)"
        )


if __name__ == "__main__":
    main()
