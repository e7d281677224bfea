"""Point-in-time feature backfill on Spark from the online feature definitions.

Input: the event table (:mod:`riskline.batch.events`). Output: one row per event, ``idx``,
``event_id`` and one double column per feature of the catalog (named as the feature), with the
value the online engine (:class:`~riskline.features.OnlineFeatures`) had when it processed the
event; features of entity kinds the event does not touch are null. Steps:

1. read times: watermark, lateness horizon, late flag
   (:func:`~riskline.batch.resolve.with_read_time`);
2. entity resolution by the newest identity links (:func:`~riskline.batch.resolve.resolve`);
3. one row per (event, entity it touches): ``kind``, ``key``;
4. entities whose read time goes back in arrival order or whose value sets come near the online
   cap are replayed through the online plan (:mod:`riskline.batch.replay`); every other entity
   is computed by window expressions (:mod:`riskline.batch.expressions`), all kinds in one pass;
5. back to one row per event (each feature column is set on its kind's row only).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from riskline.batch.events import field_types
from riskline.batch.expressions import feature_columns, helper_columns
from riskline.batch.replay import replayer
from riskline.batch.resolve import resolve, with_read_time
from riskline.features.catalog import Catalog, definition_to_dict
from riskline.features.definitions import Aggregate
from riskline.features.fields import ENTITY_KINDS
from riskline.features.plan import SET_CAP, source_of

__all__ = ["backfill", "backfill_parquet", "entity_rows"]


def entity_rows(events: Any, catalog: Catalog, lateness: int) -> Any:
    """One row per (event, entity of a kind the catalog keys features by)."""
    from pyspark.sql import functions as F  # noqa: N812

    kinds = [k for k in ENTITY_KINDS if any(d.entity == k for d in catalog)]
    ev = resolve(with_read_time(events, lateness))
    fields = [f"f_{f}" for f in field_types(catalog)]
    ents = F.array(*(F.struct(F.lit(k).alias("kind"), F.col(f"k_{k}").alias("key")) for k in kinds))
    rows = ev.select("idx", "ts", "t", "hz", "late", "type", *fields, F.explode(ents).alias("e"))
    return rows.where(F.col("e.key").isNotNull()).select(
        "e.kind", "e.key", "idx", *rows.columns[:-1][1:]
    )


def _dirty(rows: Any, catalog: Catalog) -> Any:
    """``kind``, ``key``, ``_dirty`` per entity: read time going back, or a set near the cap."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F  # noqa: N812

    back = F.col("t") < F.lag("t").over(Window.partitionBy("kind", "key").orderBy("idx"))
    marked = rows.select("kind", "key", "type", *_set_fields(catalog), back.alias("_back"))
    aggs = [F.max(F.coalesce(F.col("_back"), F.lit(False)).cast("int")).alias("_back")]
    for i, d in enumerate(catalog):
        if d.aggregate in (Aggregate.DISTINCT, Aggregate.COUNT_NEW):
            mine = (F.col("kind") == d.entity) & F.col("type").isin(list(source_of(d)[0]))
            value = F.when(mine, F.col(f"f_{d.value}"))
            aggs.append(F.approx_count_distinct(value).alias(f"_n{i}"))
    per_key = marked.groupBy("kind", "key").agg(*aggs)
    dirty = F.col("_back") == 1
    for c in per_key.columns:
        if c.startswith("_n"):
            dirty = dirty | (F.col(c) > SET_CAP // 2)  # approximate counts: a wide margin
    return per_key.select("kind", "key", dirty.alias("_dirty"))


def _set_fields(catalog: Catalog) -> list[str]:
    sets = {d.value for d in catalog if d.aggregate in (Aggregate.DISTINCT, Aggregate.COUNT_NEW)}
    return sorted(f"f_{v}" for v in sets if v)


def backfill(events: Any, catalog: Catalog, lateness: timedelta = timedelta(hours=24)) -> Any:
    """The feature frame of the event table ``events`` (a Spark DataFrame); see module doc."""
    from pyspark.sql import functions as F  # noqa: N812

    defs = list(catalog)
    rows = entity_rows(events, catalog, int(lateness.total_seconds()))
    rows = rows.join(_dirty(rows, catalog), ["kind", "key"])
    names = [f"c{k}" for k in range(len(defs))]
    clean = rows.where(~F.col("_dirty")).select("*", *helper_columns(defs))
    clean = clean.select("idx", *feature_columns(defs))
    schema = "idx long, kind string, " + ", ".join(f"{n} double" for n in names)
    replay = replayer([definition_to_dict(d) for d in defs], sorted(field_types(catalog)))
    replayed = rows.where(F.col("_dirty")).groupBy("kind", "key").applyInPandas(replay, schema)
    nan = F.lit(float("nan"))
    replayed = replayed.select(
        "idx",
        *(
            F.when(F.col("kind") == d.entity, F.coalesce(F.col(n), nan)).alias(n)
            for n, d in zip(names, defs, strict=True)
        ),
    )
    both = clean.unionByName(replayed)
    # each feature is set on its own kind's row only: max picks it (NaN included)
    per_event = both.groupBy("idx").agg(
        *(F.max(n).alias(d.name) for n, d in zip(names, defs, strict=True))
    )
    ids = events.select("idx", "event_id")
    out = ids.join(per_event, "idx", "left")
    return out.select("idx", "event_id", *(F.col(f"`{d.name}`") for d in defs))


def backfill_parquet(
    session: Any,
    events_path: str,
    out_path: str,
    catalog: Catalog,
    lateness: timedelta = timedelta(hours=24),
) -> int:
    """Read the event table at ``events_path``, write the feature frame to ``out_path``."""
    events = session.read.parquet(events_path)
    backfill(events, catalog, lateness).write.mode("overwrite").parquet(out_path)
    return int(session.read.parquet(out_path).count())
