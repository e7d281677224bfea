"""Connected components and risk propagation over the whole link graph, with plain DataFrames.

The same graph as the local job (:func:`riskline.graph.run_batch`): every endpoint of every link
(:func:`riskline.graph.edges_from`) is a node, links of ``GraphConfig.join_kinds`` join
components, self-links are ignored, flagged nodes are nodes even without links.

Components: large-star / small-star (Kiveris et al., "Connected Components in MapReduce and
Beyond", 2014) on integer node ids until every edge points from a node to the smallest node of
its component; a component is named by that smallest id. No GraphFrames, no extra jars.

Propagation: personalised PageRank from the flagged nodes, the rustworkx convention of the local
job (restart uniform over the seeds; nodes without links return their mass to the seeds). Mass
never crosses components except through seeds without links, so each component holding a seed
is solved on its own (``groupBy(component).applyInPandas`` with
:func:`riskline.graph.personalized_pagerank`) and scaled by its share of the seeds:
``ppr = c * seeds_in_C / (restart * S) * local_ppr`` with ``c = restart + (1 - restart) * D``,
``D = k * restart / (S - k * (1 - restart))`` the mass of the ``k`` seeds without links out of
``S`` seeds (each of those scores ``c / S``). A component must fit one executor's memory.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from riskline.events.types import Event
from riskline.graph.extract import edges_from
from riskline.graph.types import GraphConfig, Node

__all__ = ["components", "link_table", "node_ids", "propagate"]

_LINKS = pa.schema(
    [
        ("a_kind", pa.string()),
        ("a_id", pa.string()),
        ("b_kind", pa.string()),
        ("b_id", pa.string()),
        ("edge_kind", pa.string()),
    ]
)


def link_table(events: Iterable[Event]) -> pa.Table:
    """Every link of every event (``a_kind, a_id, b_kind, b_id, edge_kind``)."""
    cols: list[list[str]] = [[], [], [], [], []]
    for event in events:
        for a, b, kind, _ in edges_from(event):
            for col, value in zip(cols, (a[0], a[1], b[0], b[1], kind.value), strict=True):
                col.append(value)
    return pa.table(dict(zip(_LINKS.names, cols, strict=True)), schema=_LINKS)


def node_ids(links: Any, flags: Any | None = None) -> Any:
    """``kind, id, nid``: every node once, with a unique long id."""
    from pyspark.sql import functions as F  # noqa: N812

    nodes = links.select(F.col("a_kind").alias("kind"), F.col("a_id").alias("id")).union(
        links.select(F.col("b_kind").alias("kind"), F.col("b_id").alias("id"))
    )
    if flags is not None:
        nodes = nodes.union(flags.select("kind", "id"))
    return nodes.distinct().withColumn("nid", F.monotonically_increasing_id())


def _edges(links: Any, nodes: Any, config: GraphConfig) -> Any:
    """Joining links as ``(src, dst)`` long pairs, ``src > dst``, without duplicates."""
    from pyspark.sql import functions as F  # noqa: N812

    kinds = sorted(k.value for k in config.join_kinds)
    a = nodes.select(
        F.col("kind").alias("a_kind"), F.col("id").alias("a_id"), F.col("nid").alias("u")
    )
    b = nodes.select(
        F.col("kind").alias("b_kind"), F.col("id").alias("b_id"), F.col("nid").alias("v")
    )
    joined = (
        links.where(F.col("edge_kind").isin(kinds))
        .join(a, ["a_kind", "a_id"])
        .join(b, ["b_kind", "b_id"])
    )
    pairs = joined.where(F.col("u") != F.col("v")).select(
        F.greatest("u", "v").alias("src"), F.least("u", "v").alias("dst")
    )
    return pairs.distinct()


def _large_star(e: Any) -> Any:
    from pyspark.sql import functions as F  # noqa: N812

    both = e.union(e.select(F.col("dst").alias("src"), F.col("src").alias("dst")))
    low = both.groupBy("src").agg(F.least(F.min("dst"), F.col("src")).alias("m"))
    up = both.where(F.col("dst") > F.col("src")).join(low, "src")
    return up.select(F.col("dst").alias("src"), F.col("m").alias("dst")).distinct()


def _small_star(e: Any) -> Any:
    from pyspark.sql import functions as F  # noqa: N812

    low = e.groupBy("src").agg(F.min("dst").alias("m"))  # every edge has src > dst here
    leaves = e.join(low, "src").select(F.col("dst").alias("src"), F.col("m").alias("dst"))
    out = leaves.union(low.select("src", F.col("m").alias("dst")))
    return out.where(F.col("src") != F.col("dst")).distinct()


def _is_star_forest(e: Any) -> bool:
    """Every node points at one node, which points nowhere: each component is a star."""
    from pyspark.sql import functions as F  # noqa: N812

    fans = e.groupBy("src").agg(F.countDistinct("dst").alias("n")).where(F.col("n") > 1)
    chained = e.join(e.select(F.col("src").alias("dst")).distinct(), "dst")
    bad = fans.select("src").limit(1).union(chained.select("src").limit(1))
    return not bad.take(1)


def components(
    links: Any, flags: Any | None = None, config: GraphConfig | None = None, max_rounds: int = 64
) -> Any:
    """``kind, id, nid, component`` for every node (``component``: smallest ``nid`` in it)."""
    from pyspark.sql import functions as F  # noqa: N812

    config = config or GraphConfig()
    nodes = node_ids(links, flags).localCheckpoint()
    e = _edges(links, nodes, config).localCheckpoint()
    for _ in range(max_rounds):
        e = _small_star(_large_star(e)).localCheckpoint()
        if _is_star_forest(e):
            break
    else:  # pragma: no cover (log n rounds suffice)
        raise RuntimeError("connected components did not converge")
    parent = e.select(F.col("src").alias("nid"), F.col("dst").alias("component"))
    out = nodes.join(parent, "nid", "left")
    return out.withColumn("component", F.coalesce("component", "nid"))


def propagate(
    links: Any, flags: Any, config: GraphConfig | None = None, comps: Any | None = None
) -> Any:
    """``kind, id, ppr, risk`` for the nodes of components holding a flagged node."""
    from pyspark.sql import functions as F  # noqa: N812

    config = config or GraphConfig()
    comps = comps if comps is not None else components(links, flags, config)
    seeds = flags.select("kind", "id").distinct().join(comps, ["kind", "id"])
    seeds = seeds.select("nid", "component").localCheckpoint()
    hot = seeds.select("component").distinct()
    members = comps.join(F.broadcast(hot), "component").select("nid", "component")
    e = _edges(links, comps.select("kind", "id", "nid"), config)
    e = e.join(members.withColumnRenamed("nid", "src"), "src")
    counts = seeds.groupBy("component").agg(F.count("*").alias("s"))
    degree = e.select("component").groupBy("component").count()
    s_total = seeds.count()
    k = counts.join(degree, "component", "left_anti").agg(F.sum("s")).first()[0] or 0
    r = config.restart
    dangling = k * r / (s_total - k * (1.0 - r))
    c = r + (1.0 - r) * dangling
    linked = degree.select("component")
    tagged = _tag(
        members.join(linked, "component", "left_semi"),
        e,
        seeds.join(linked, "component", "left_semi"),
    )
    local = tagged.groupBy("component").applyInPandas(_ppr(r), "nid long, component long, y double")
    scaled = local.join(counts, "component").select(
        "nid", (F.lit(c) * F.col("s") / F.lit(r * s_total) * F.col("y")).alias("ppr")
    )
    lone = counts.join(degree, "component", "left_anti").join(seeds, "component")
    scaled = scaled.unionByName(lone.select("nid", F.lit(c / s_total).alias("ppr")))
    scaled = scaled.localCheckpoint()
    top = scaled.join(seeds, "nid").agg(F.max("ppr")).first()[0] or 0.0
    named = scaled.join(comps.select("kind", "id", "nid"), "nid")
    risk = F.least(F.lit(1.0), F.col("ppr") / F.lit(top)) if top > 0 else F.lit(0.0)
    return named.select("kind", "id", "ppr", risk.alias("risk"))


def _tag(members: Any, edges: Any, seeds: Any) -> Any:
    """One row per member, edge end or seed: ``component, nid, other (edge) , seed``."""
    from pyspark.sql import functions as F  # noqa: N812

    none = F.lit(None).cast("long")
    rows = members.select("component", "nid", none.alias("other"), F.lit(False).alias("seed"))
    rows = rows.union(
        edges.select(
            "component", F.col("src").alias("nid"), F.col("dst").alias("other"), F.lit(False)
        )
    )
    return rows.union(seeds.select("component", "nid", none, F.lit(True)))


def _ppr(restart: float) -> Any:
    """pandas: one component's members, edges and seeds in, its local PPR (sums to 1) out."""

    def run(pdf: Any) -> Any:
        import numpy as np

        pd: Any = importlib.import_module("pandas")

        from riskline.graph.propagation import personalized_pagerank

        ids = np.unique(pdf["nid"].to_numpy())
        index = {int(n): i for i, n in enumerate(ids)}
        links = pdf[pdf["other"].notna()]
        edges = [
            (index[int(a)], index[int(b)])
            for a, b in zip(links["nid"], links["other"], strict=True)
        ]
        seeds = sorted({index[int(n)] for n in pdf.loc[pdf["seed"], "nid"]})
        nodes: list[Node] = [("n", str(n)) for n in ids]
        y = personalized_pagerank(nodes, edges, seeds, restart, tol=1e-13, max_iter=1000)
        comp = int(pdf["component"].iloc[0])
        return pd.DataFrame({"nid": ids, "component": comp, "y": y})

    return run
