"""The batch jobs end to end, file in, file out (what ``riskline spark ...`` runs).

Inputs are Parquet tables written at the edge, where events are parsed and personal
identifiers hashed: the event table (:mod:`riskline.batch.events`) and the link table
(:func:`riskline.batch.graph.link_table`). :func:`export_world` writes both for a world folder.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from riskline.batch.backfill import backfill
from riskline.batch.events import event_table
from riskline.batch.graph import components, link_table, propagate
from riskline.batch.rescore import CardLike, FraudLike, RescorePolicy, rescore, scoring_rows
from riskline.batch.resolve import resolve
from riskline.credit.limits import BandTable
from riskline.events import parse_event
from riskline.events.pii import PiiHasher
from riskline.events.types import Event
from riskline.features.catalog import Catalog

__all__ = [
    "export_world",
    "run_backfill",
    "run_components",
    "run_rescore",
    "world_events",
]


def world_events(world_dir: Path, hasher: PiiHasher) -> Iterator[Event]:
    """The parsed events of a world folder (``riskline simulate``), identifiers hashed."""
    from riskline.sim import load_world

    for wire in load_world(world_dir).events():
        yield parse_event(wire, hasher)


def export_world(
    world_dir: Path, out_dir: Path, hasher: PiiHasher, catalog: Catalog
) -> tuple[int, int]:
    """Write ``events.parquet`` and ``links.parquet`` for a world; (events, links) counts."""
    events = list(world_events(world_dir, hasher))
    out_dir.mkdir(parents=True, exist_ok=True)
    table = event_table(catalog, events)
    pq.write_table(table, out_dir / "events.parquet", compression="zstd")
    links = link_table(events)
    pq.write_table(links, out_dir / "links.parquet", compression="zstd")
    return table.num_rows, links.num_rows


def run_backfill(
    session: Any, events: Path, out: Path, catalog: Catalog, lateness: timedelta
) -> int:
    """Backfill ``events`` (event table) into ``out`` (Parquet); rows written."""
    frame = backfill(session.read.parquet(str(events)), catalog, lateness)
    frame.write.mode("overwrite").parquet(str(out))
    return int(session.read.parquet(str(out)).count())


def run_rescore(
    session: Any,
    events: Path,
    features: Path,
    out: Path,
    models: tuple[CardLike | None, FraudLike | None],
    bands: BandTable,
    lines: Path | None = None,
    policy: RescorePolicy | None = None,
) -> int:
    """Re-score every person from the event table and its backfill; rows written to ``out``."""
    ev = session.read.parquet(str(events))
    keys = resolve(ev).select("idx", "k_person", "k_account")
    rows = scoring_rows(session.read.parquet(str(features)), keys)
    current = session.read.parquet(str(lines)) if lines is not None else None
    result = rescore(rows, models[0], models[1], bands, current, policy)
    result.write.mode("overwrite").parquet(str(out))
    return int(session.read.parquet(str(out)).count())


def run_components(
    session: Any, links: Path, out: Path, flags: Sequence[tuple[str, str]] = ()
) -> tuple[int, int]:
    """Components (and risk, when ``flags``) of the link table; (nodes, components)."""
    from pyspark.sql import functions as F  # noqa: N812

    table = session.read.parquet(str(links))
    flagged = session.createDataFrame(list(flags), "kind string, id string") if flags else None
    comps = components(table, flagged).localCheckpoint()
    result = comps
    if flagged is not None:
        risk = propagate(table, flagged, comps=comps).select("kind", "id", "ppr", "risk")
        result = comps.join(risk, ["kind", "id"], "left")
    result = result.withColumn("risk", F.coalesce(F.col("risk"), F.lit(0.0))) if flags else result
    result.write.mode("overwrite").parquet(str(out))
    stats = comps.agg(F.count("*"), F.countDistinct("component")).first()
    return int(stats[0]), int(stats[1])
