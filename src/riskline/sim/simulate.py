"""Generate a world and write it: events (JSONL + Parquet), labels, summary."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from riskline.errors import NotFound
from riskline.sim.companies import add_enterprises
from riskline.sim.config import WorldConfig
from riskline.sim.labels import Labels, entity_labels
from riskline.sim.negatives import add_negatives
from riskline.sim.stream import Chunk, world_chunks
from riskline.sim.typologies import place_rings
from riskline.sim.world import World, build_world

__all__ = ["LoadedWorld", "WorldSummary", "iter_events", "load_world", "prepare_world", "simulate"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class WorldSummary:
    """Counts describing a generated world."""

    persons: int
    accounts: int
    merchants: int
    days: int
    events: int
    events_by_type: dict[str, int]
    rings_by_typology: dict[str, int]
    actors_by_typology: dict[str, int]
    fraud_events: int
    credit_at_risk_cents: int
    hard_negatives_by_kind: dict[str, int]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def prepare_world(config: WorldConfig) -> World:
    """Population, hard negatives, legitimate enterprises and fraud rings (before streaming)."""
    world = build_world(config)
    add_negatives(world)
    add_enterprises(world)
    place_rings(world)
    return world


def iter_events(config: WorldConfig) -> Iterator[dict[str, Any]]:
    """Every event of a world as a wire dict, in time order (nothing written)."""
    for chunk in world_chunks(prepare_world(config)):
        for line in chunk.text.splitlines():
            yield json.loads(line)


def simulate(config: WorldConfig, out_dir: Path, progress: Progress | None = None) -> WorldSummary:
    """Write a world to ``out_dir``: events.jsonl, events.parquet, labels.jsonl, summary.json."""
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    world = prepare_world(config)
    records = entity_labels(world)
    with _Writer(out_dir) as writer:
        writer.labels(records)
        for chunk in world_chunks(world, with_wide=True, progress=progress):
            writer.chunk(chunk)
    summary = _summary(world, records, writer, time.perf_counter() - started)
    body = {"config": config.to_dict(), "summary": {**summary.to_dict(), "seconds": None}}
    (out_dir / "summary.json").write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")
    return summary


class _Writer:
    """Writes chunks on a background thread (overlapping generation); counts what it wrote.

    At most two chunks wait in the queue, so memory stays bounded.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.counts: Counter[str] = Counter()
        self.fraud_events = 0
        self.credit = 0
        self._parquet: pq.ParquetWriter | None = None
        self._queue: queue.Queue[Chunk | list[dict[str, Any]] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sim-writer", daemon=True)

    def __enter__(self) -> _Writer:
        self._events = (self.out_dir / "events.jsonl").open("w", encoding="utf-8", newline="\n")
        self._labels = (self.out_dir / "labels.jsonl").open("w", encoding="utf-8", newline="\n")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._queue.put(None)
        self._thread.join()
        self._events.close()
        self._labels.close()
        if self._parquet is not None:
            self._parquet.close()
        if self._error is not None and exc[0] is None:
            raise self._error

    def labels(self, records: list[dict[str, Any]]) -> None:
        """Queue label records."""
        self._put(records)

    def chunk(self, chunk: Chunk) -> None:
        """Queue one chunk of events, its event labels and its columnar form."""
        self.counts.update(chunk.counts)
        self.fraud_events += len(chunk.labels)
        self.credit += sum(int(r.get("credit_cents", 0)) for r in chunk.labels)
        self._put(chunk)

    def _put(self, item: Chunk | list[dict[str, Any]]) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(item)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue
            try:
                self._write(item)
            except BaseException as err:  # re-raised in the generating thread
                self._error = err

    def _write(self, item: Chunk | list[dict[str, Any]]) -> None:
        records = item if isinstance(item, list) else item.labels
        self._labels.writelines(
            json.dumps(r, separators=(",", ":"), sort_keys=True) + "\n" for r in records
        )
        if isinstance(item, list):
            return
        self._events.write(item.text)
        if item.wide is None or not item.wide.height:
            return
        table = item.wide.to_arrow()
        if self._parquet is None:
            schema = pa.schema([f.with_type(_plain(f.type)) for f in table.schema])
            path = self.out_dir / "events.parquet"
            self._parquet = pq.ParquetWriter(path, schema, compression="zstd")
        self._parquet.write_table(table.cast(self._parquet.schema))


def _plain(kind: pa.DataType) -> pa.DataType:
    return pa.string() if kind in (pa.large_string(), pa.string_view()) else kind


def _summary(
    world: World, records: list[dict[str, Any]], writer: _Writer, seconds: float
) -> WorldSummary:
    rings = Counter(r["typology"] for r in records if r["level"] == "ring")
    actors = Counter(r["typology"] for r in records if r["level"] in ("account", "enterprise"))
    kinds = Counter(k for r in records if r["level"] == "hard_negative" for k in r["kinds"])
    pop = world.pop
    return WorldSummary(
        persons=int(pop.p_id.size),
        accounts=int(pop.a_id.size),
        merchants=int(pop.m_id.size),
        days=world.config.days,
        events=sum(writer.counts.values()),
        events_by_type=dict(sorted(writer.counts.items())),
        rings_by_typology=dict(sorted(rings.items())),
        actors_by_typology=dict(sorted(actors.items())),
        fraud_events=writer.fraud_events,
        credit_at_risk_cents=writer.credit,
        hard_negatives_by_kind=dict(sorted(kinds.items())),
        seconds=round(seconds, 2),
    )


@dataclass(frozen=True)
class LoadedWorld:
    """A world read back from disk: its events (streamed lazily) and labels."""

    directory: Path
    labels: Labels

    def events(self) -> Iterator[dict[str, Any]]:
        """The events as wire dicts, in file (time) order."""
        with (self.directory / "events.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)


def load_world(directory: Path) -> LoadedWorld:
    """Open a world written by :func:`simulate`."""
    for name in ("events.jsonl", "labels.jsonl"):
        if not (directory / name).is_file():
            raise NotFound(f"{directory} is not a world: {name} is missing")
    return LoadedWorld(directory, Labels.load(directory / "labels.jsonl"))
