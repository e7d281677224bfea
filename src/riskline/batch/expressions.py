"""Feature definitions as Spark window expressions over the rows of one entity kind.

Rows are (event, entity) pairs with ``kind``, ``key``, ``idx`` (arrival), ``ts``, ``t`` (read time),
``late`` and the ``f_<field>`` columns. The expressions are exact for entities whose read time
never goes back in arrival order (checked by the caller; other entities are replayed through the
online plan): then every earlier bucket of a window holds only rows that arrived earlier, so a
windowed aggregate at a row is the aggregate over the *previous buckets* of the window (a RANGE
frame on the bucket) combined with the rows of the *current bucket* up to this one (a ROWS frame
in arrival order). Lifetime aggregates are running aggregates in arrival order. Late rows skip
windows but count in lifetime aggregates and value sets, as online.

Missing values follow :mod:`riskline.features.readers`: counts, sums, distinct counts and decayed
sums are 0 when nothing matched; mean, min, max, last, since_* and ratios are NaN. Money is summed
in cents and divided on read, in the online order of operations.
"""

from __future__ import annotations

from typing import Any

from riskline.features.definitions import Aggregate as A  # noqa: N817
from riskline.features.definitions import FeatureDef, FeatureType
from riskline.features.plan import scale_of, source_of

__all__ = ["feature_columns", "helper_columns"]

NAN = float("nan")


class _Frames:
    """The windows every expression of one entity kind uses."""

    def __init__(self) -> None:
        from pyspark.sql import Window

        self.W = Window
        ent = ("kind", "key")
        self.life = (
            Window.partitionBy(*ent).orderBy("idx").rowsBetween(Window.unboundedPreceding, 0)
        )
        self.whole = Window.partitionBy(*ent)

    def previous(self, bucket: str, n: int) -> Any:
        """Rows of the ``n - 1`` buckets before the row's bucket."""
        return self.W.partitionBy("kind", "key").orderBy(bucket).rangeBetween(-(n - 1), -1)

    def current(self, bucket: str) -> Any:
        """Rows of the row's bucket that arrived up to it."""
        W = self.W  # noqa: N806
        return (
            W.partitionBy("kind", "key", bucket).orderBy("idx").rowsBetween(W.unboundedPreceding, 0)
        )


def _match(d: FeatureDef) -> Any:
    from pyspark.sql import functions as F  # noqa: N812

    events, where = source_of(d)
    cond = F.col("type").isin(list(events))
    for field, allowed in where:
        cond = cond & F.col(f"f_{field}").isin(sorted(allowed, key=str))
    return F.coalesce(cond, F.lit(False))


def _value(d: FeatureDef) -> Any:
    from pyspark.sql import functions as F  # noqa: N812

    return F.col(f"f_{d.value}")


def set_slots(catalog: list[FeatureDef]) -> dict[str, int]:
    """Feature name -> slot of its value set: the j-th distinct (source, field) of its kind.

    Rows of different kinds share slot ``j``, so the first-occurrence flags of every kind take
    as many window passes as the kind with the most value sets (not one per feature).
    """
    seen: dict[str, list[tuple[Any, ...]]] = {}
    out = {}
    for d in catalog:
        if d.aggregate in (A.DISTINCT, A.COUNT_NEW):
            sets = seen.setdefault(d.entity, [])
            key = (source_of(d), d.value)
            if key not in sets:
                sets.append(key)
            out[d.name] = sets.index(key)
    return out


def helper_columns(catalog: list[FeatureDef]) -> list[Any]:
    """Bucket columns ``_b<res>`` and flags ``_new<j>``: the row's value is new to set ``j``."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F  # noqa: N812

    out = [
        F.floor(F.col("t") / F.lit(res)).cast("long").alias(f"_b{res}")
        for res in sorted({d.resolution for d in catalog if d.window and d.resolution})
    ]
    slots = set_slots(catalog)
    for j in sorted(set(slots.values())):
        sel, value = F.lit(False), F.lit(None).cast("string")
        for d in catalog:
            if slots.get(d.name) == j:
                mine = (F.col("kind") == d.entity) & _match(d) & _value(d).isNotNull()
                sel = F.when(mine, True).otherwise(sel)
                value = F.when(mine, _value(d)).otherwise(value)
        w = Window.partitionBy("kind", "key", sel, value).orderBy("idx")
        out.append((sel & (F.row_number().over(w) == 1)).alias(f"_new{j}"))
    return out


def _windowed(d: FeatureDef, new: str, fr: _Frames) -> Any:
    from pyspark.sql import functions as F  # noqa: N812

    res, n, sc = d.resolution or 1, d.buckets, scale_of(d)
    bucket = f"_b{res}"
    sel = _match(d) & ~F.col("late")
    prev, cur = fr.previous(bucket, n) if n > 1 else None, fr.current(bucket)

    def both(agg: Any, x: Any, combine: Any) -> Any:
        here = agg(x).over(cur)
        return here if prev is None else combine(agg(x).over(prev), here)

    def total(x: Any) -> Any:
        return both(F.sum, x, lambda a, b: F.coalesce(a, F.lit(0.0)) + F.coalesce(b, F.lit(0.0)))

    agg = d.aggregate
    if agg is A.DISTINCT:
        x = F.when(sel, _value(d))
        return F.size(both(F.collect_set, x, F.array_union)).cast("double")
    if agg is A.COUNT_NEW:
        return F.coalesce(total(F.when(sel & F.col(new), 1.0)), F.lit(0.0))
    if agg in (A.MIN, A.MAX):
        f, pick = (F.min, F.least) if agg is A.MIN else (F.max, F.greatest)
        return both(f, F.when(sel, _value(d)), pick) / F.lit(sc)
    count = F.coalesce(total(F.when(sel, 1.0)), F.lit(0.0))
    if agg is A.COUNT:
        return count
    s = F.coalesce(total(F.when(sel & _value(d).isNotNull(), _value(d))), F.lit(0.0))
    if agg is A.SUM:
        return s / F.lit(sc)
    return F.when(count != 0, s / count / F.lit(sc))  # online: sum / matching events


def _lifetime(d: FeatureDef, new: str, fr: _Frames) -> Any:
    from pyspark.sql import functions as F  # noqa: N812

    sel, sc, agg, life = _match(d), scale_of(d), d.aggregate, fr.life
    x: Any = F.when(sel & _value(d).isNotNull(), _value(d)) if d.value else None
    if agg in (A.DISTINCT, A.COUNT_NEW):
        return F.sum(F.col(new).cast("double")).over(life)
    if agg in (A.SINCE_FIRST, A.SINCE_LAST):
        edge = (F.min if agg is A.SINCE_FIRST else F.max)(F.when(sel, F.col("ts"))).over(life)
        gap = F.greatest(F.lit(0), F.col("t") - edge) / F.lit(d.unit)
        return F.when(edge.isNotNull(), gap)
    if agg is A.LAST:
        best = F.max(F.when(x.isNotNull(), F.struct("ts", "idx", x.alias("x")))).over(life)
        return best["x"] / F.lit(sc)
    if agg is A.DECAYED_SUM:
        hl = float(d.half_life or 1)
        t0 = F.min(F.when(x.isNotNull(), F.col("ts"))).over(fr.whole)
        acc = F.sum(x * F.pow(F.lit(2.0), (F.col("ts") - t0) / hl)).over(life)
        last = F.max(F.when(x.isNotNull(), F.col("ts"))).over(life)
        now = F.greatest(F.col("t"), last)
        return F.coalesce(acc * F.pow(F.lit(2.0), (t0 - now) / hl) / F.lit(sc), F.lit(0.0))
    if agg in (A.MIN, A.MAX):
        return (F.min if agg is A.MIN else F.max)(x).over(life) / F.lit(sc)
    count = F.sum(F.when(sel, 1.0).otherwise(0.0)).over(life)
    if agg is A.COUNT:
        return count
    s = F.coalesce(F.sum(x).over(life), F.lit(0.0))
    if agg is A.SUM:
        return s / F.lit(sc)
    return F.when(count != 0, s / count / F.lit(sc))


def _post(d: FeatureDef, v: Any) -> Any:
    """Null -> NaN, then the definition's type (bool) and default, as the online reader."""
    from pyspark.sql import functions as F  # noqa: N812

    v = F.coalesce(v.cast("double"), F.lit(NAN))
    if d.type is FeatureType.BOOL:
        return F.when(~F.isnan(v) & (v > 0), 1.0).otherwise(0.0)
    if d.default is not None:
        return F.when(F.isnan(v), F.lit(d.default)).otherwise(v)
    return v


def feature_columns(catalog: list[FeatureDef]) -> list[Any]:
    """One column ``c<i>`` per definition; null on rows of other entity kinds.

    Needs the :func:`helper_columns` on the rows. Ratios inline their operands' expressions
    (Catalyst computes a repeated window expression once).
    """
    from pyspark.sql import functions as F  # noqa: N812

    fr = _Frames()
    slots = set_slots(catalog)
    raw: dict[str, Any] = {}
    out: list[Any] = []
    for d in catalog:
        if d.aggregate is A.RATIO:
            num, den = (raw[x] for x in d.of or ())
            value = F.when(den != 0, num / den).otherwise(F.lit(NAN))
        elif d.window is not None:
            value = _post(d, _windowed(d, f"_new{slots.get(d.name)}", fr))
        else:
            value = _post(d, _lifetime(d, f"_new{slots.get(d.name)}", fr))
        if d.aggregate is A.RATIO:
            value = _post(d, value)
        raw[d.name] = value
        out.append(F.when(F.col("kind") == d.entity, value).alias(f"c{len(out)}"))
    return out
