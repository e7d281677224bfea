"""The chunked event stream: merge bulk, scheduled and scenario events in time order.

Each chunk covers ``chunk_days`` of the window (the first covers all history before
it). Events generated for a later time wait in a pending buffer, so memory stays
bounded by a few days of events. Event ids are ``ev`` + a global sequence number
assigned after sorting by (time, type, generation order).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from riskline.sim.billing import bill_frames
from riskline.sim.bulk import BulkState, day_frames, onboarding_frames
from riskline.sim.wire import SPECS, frame_schema, line_expr, wide_frame
from riskline.sim.world import DAY, World

__all__ = ["Chunk", "world_chunks"]

TYPES: tuple[str, ...] = tuple(SPECS)
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Chunk:
    """A time slice of the world: JSON text (one event a line, in order), columnar form, labels."""

    text: str
    wide: pl.DataFrame | None
    labels: list[dict[str, Any]]
    counts: dict[str, int]


def _normalise(event_type: str, frame: pl.DataFrame) -> pl.DataFrame:
    schema = frame_schema(event_type)
    cols = [
        (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in schema.items()
    ]
    return frame.select(cols)


class _Merger:
    """Holds pending frames and the sorted scenario events; cuts chunks."""

    def __init__(self, world: World, with_wide: bool) -> None:
        self.world = world
        self.with_wide = with_wide
        self.pending: dict[str, list[pl.DataFrame]] = {}
        self.extras = sorted(world.events, key=lambda e: e["ts"])
        self.extra_ts = [e["ts"] for e in self.extras]
        self.extra_pos = 0
        self.counter = 0
        self.add(onboarding_frames(world))

    def add(self, frames: dict[str, pl.DataFrame]) -> None:
        """Queue frames of events (any time at or after the current chunk)."""
        for event_type, frame in frames.items():
            if frame.height:
                self.pending.setdefault(event_type, []).append(_normalise(event_type, frame))

    def _take_extras(self, until: int) -> None:
        stop = bisect.bisect_left(self.extra_ts, until, lo=self.extra_pos)
        rows = self.extras[self.extra_pos : stop]
        self.extra_pos = stop
        by_type: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_type.setdefault(row["type"], []).append(row)
        self.add({t: pl.from_dicts(r, schema=frame_schema(t)) for t, r in by_type.items()})

    def cut(self, until: int) -> Chunk:
        """Emit every queued event before ``until`` as one ordered chunk."""
        self._take_extras(until)
        ready: dict[str, pl.DataFrame] = {}
        for event_type in TYPES:
            parts = self.pending.pop(event_type, [])
            if not parts:
                continue
            frame = pl.concat(parts)
            later = frame.filter(pl.col("ts") >= until)
            if later.height:
                self.pending[event_type] = [later]
            now = frame.filter(pl.col("ts") < until)
            if now.height:
                ready[event_type] = now
        return self._order(ready)

    def _ids(self, ready: dict[str, pl.DataFrame]) -> dict[str, np.ndarray]:
        """Global sequence numbers of every row, ordered by (time, type, generation order)."""
        if not ready:
            return {}
        keys = pl.concat(
            [
                pl.DataFrame(
                    {
                        "ts": f["ts"],
                        "rank": np.full(f.height, TYPES.index(t), np.int64),
                        "seq": np.arange(f.height, dtype=np.int64),
                    }
                )
                for t, f in ready.items()
            ]
        ).sort(["ts", "rank", "seq"])
        rank, seq = keys["rank"].to_numpy(), keys["seq"].to_numpy()
        position = np.arange(keys.height, dtype=np.int64) + self.counter
        self.counter += keys.height
        out = {}
        for event_type, frame in ready.items():
            mask = rank == TYPES.index(event_type)
            gid = np.empty(frame.height, np.int64)
            gid[seq[mask]] = position[mask]
            out[event_type] = gid
        return out

    def _order(self, ready: dict[str, pl.DataFrame]) -> Chunk:
        lines, wides, labels = [], [], []
        for event_type, gid in self._ids(ready).items():
            text_id = pl.Series(gid).cast(pl.String).str.zfill(10)
            frame = ready[event_type].with_columns(
                pl.Series("gid", gid), pl.concat_str([pl.lit("ev"), text_id]).alias("event_id")
            )
            lines.append(frame.select("gid", line_expr(event_type).alias("line")))
            if self.with_wide:
                wides.append(wide_frame(event_type, frame).with_columns(frame["gid"]))
            labels.append(
                frame.filter(pl.col("_typology").is_not_null()).select(
                    "gid", "event_id", "_typology", "_ring", "_credit"
                )
            )
        chunk = self._assemble(lines, wides, labels)
        chunk.counts.update({t: f.height for t, f in ready.items()})
        return chunk

    def _assemble(
        self, lines: list[pl.DataFrame], wides: list[pl.DataFrame], labels: list[pl.DataFrame]
    ) -> Chunk:
        if not lines:
            return Chunk("", None, [], {})
        text = pl.concat(lines).sort("gid")["line"].str.join("\n").item() + "\n"
        wide = pl.concat(wides).sort("gid").drop("gid") if wides else None
        lab = pl.concat(labels).sort("gid")
        records = [
            {
                "level": "event",
                "id": eid,
                "typology": typ,
                "ring_id": ring,
                **({"credit_cents": credit} if credit is not None else {}),
            }
            for eid, typ, ring, credit in lab.select(
                "event_id", "_typology", "_ring", "_credit"
            ).iter_rows()
        ]
        return Chunk(text, wide, records, {})


def world_chunks(
    world: World, *, with_wide: bool = False, progress: Progress | None = None
) -> Iterator[Chunk]:
    """Generate the world's events chunk by chunk, in time order."""
    cfg = world.config
    merger = _Merger(world, with_wide)
    state = BulkState(world)
    yield merger.cut(world.start_ts)
    for first in range(0, cfg.days, cfg.chunk_days):
        last = min(first + cfg.chunk_days, cfg.days)
        for day in range(first, last):
            merger.add(day_frames(world, day, state))
            merger.add(bill_frames(world, day, state))
        yield merger.cut(world.start_ts + last * DAY)
        if progress is not None:
            progress(last, cfg.days)
