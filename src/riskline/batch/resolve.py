"""Read times and entity resolution of the event table, by columns in Spark.

Mirrors the online engine (:mod:`riskline.features.online`):

* the watermark is the running maximum of ``ts`` in arrival order (``idx``); an event older than
  ``watermark - lateness`` is late and reads at that horizon (``t``), every other event at its
  own ``ts``. The running maximum is a two-level scan (within chunks of ``idx``, then over the
  chunk maxima), so no single partition holds the whole history;
* identity links come from the newest ``account_opened`` / ``merchant_registered`` of the same
  account / merchant that arrived no later than the event (person, phone and ID of an account;
  owner and payout card of a merchant); names on the event itself win;
* pair entities ``account_device`` and ``account_merchant`` join the two keys with ``|``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["resolve", "with_read_time"]

CHUNK = 1 << 16


def with_read_time(events: Any, lateness: int) -> Any:
    """Add ``hz`` (horizon), ``late`` and ``t`` (read time) to the event table."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F  # noqa: N812

    ev = events.withColumn("_chunk", F.floor(F.col("idx") / CHUNK))
    within = Window.partitionBy("_chunk").orderBy("idx").rowsBetween(Window.unboundedPreceding, 0)
    ev = ev.withColumn("_local", F.max("ts").over(within))
    before = Window.orderBy("_chunk").rowsBetween(Window.unboundedPreceding, -1)
    chunks = (
        ev.groupBy("_chunk")
        .agg(F.max("ts").alias("_cmax"))
        .withColumn("_prev", F.max("_cmax").over(before))  # a few rows: one partition is fine
        .select("_chunk", "_prev")
    )
    ev = ev.join(F.broadcast(chunks), "_chunk")
    hz = F.greatest(F.col("_local"), F.coalesce(F.col("_prev"), F.col("_local"))) - F.lit(lateness)
    ev = ev.withColumn("hz", hz).withColumn("late", F.col("ts") < F.col("hz"))
    ev = ev.withColumn("t", F.when(F.col("late"), F.col("hz")).otherwise(F.col("ts")))
    return ev.drop("_chunk", "_local", "_prev")


def _latest(kind: str, etype: str, fields: dict[str, str]) -> Any:
    """The named columns of the newest ``etype`` event of the row's ``kind`` entity so far.

    Rows without the entity are spread over 256 partitions instead of one null partition.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F  # noqa: N812

    key = F.col(f"e_{kind}")
    spread = F.coalesce(key, F.concat(F.lit("\0"), (F.col("idx") % 256).cast("string")))
    w = Window.partitionBy(spread).orderBy("idx").rowsBetween(Window.unboundedPreceding, 0)
    link = F.struct(*(F.col(c).alias(a) for a, c in fields.items()))
    latest = F.last(F.when(F.col("type") == etype, link), ignorenulls=True).over(w)
    return F.when(key.isNotNull(), latest)


def resolve(events: Any) -> Any:
    """Add ``k_<kind>`` for every entity kind (the keys online resolution gives each event)."""
    from pyspark.sql import functions as F  # noqa: N812

    ev = events.withColumn(
        "_acc",
        _latest("account", "account_opened", {"p": "e_person", "ph": "e_phone", "i": "e_id"}),
    ).withColumn(
        "_mer", _latest("merchant", "merchant_registered", {"o": "e_person", "c": "e_card"})
    )
    a, d, m = F.col("e_account"), F.col("e_device"), F.col("e_merchant")
    keys = {
        "account": a,
        "person": F.coalesce(
            F.col("e_person"), F.col("_acc.p"), F.when(a.isNull(), F.col("_mer.o"))
        ),
        "phone": F.coalesce(F.col("e_phone"), F.col("_acc.ph")),
        "id": F.coalesce(F.col("e_id"), F.col("_acc.i")),
        "card": F.coalesce(F.col("e_card"), F.col("_mer.c")),
        "device": d,
        "ip": F.col("e_ip"),
        "merchant": m,
        "enterprise": F.col("e_enterprise"),
        "account_device": F.concat(a, F.lit("|"), d),
        "account_merchant": F.concat(a, F.lit("|"), m),
    }
    fields = [c for c in events.columns if c.startswith("f_")]
    base = [
        "idx",
        "event_id",
        "ts",
        "type",
        *[c for c in ("hz", "late", "t") if c in events.columns],
    ]
    return ev.select(*base, *(v.alias(f"k_{k}") for k, v in keys.items()), *fields)
