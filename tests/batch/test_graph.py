"""Spark components and propagation against the local rustworkx job on the same links."""

from __future__ import annotations

from typing import Any

import pytest

from riskline.batch import components, link_table, propagate
from riskline.graph import BatchResult, Node, run_batch
from tests.batch.world import world

FLAGS: list[Node] = [("person", "__lonely__")]  # a flagged node without links: a dangling seed


def _flags() -> list[Node]:
    """Two accounts and a device of the world, and the lonely node."""
    events = world()
    accounts = sorted({e.account_id for e in events if e.type == "account_opened"})  # type: ignore[attr-defined]
    devices = sorted({e.device_id for e in events if e.type == "login" and e.device_id})  # type: ignore[attr-defined]
    return [("account", accounts[3]), ("account", accounts[50]), ("device", devices[7]), *FLAGS]


@pytest.fixture(scope="module")
def graph(
    spark: Any,
) -> tuple[BatchResult, dict[Node, tuple[int, int]], dict[Node, tuple[float, float]]]:
    """(local result, Spark (node id, component) per node, Spark (ppr, risk) per node)."""
    flags = _flags()
    local = run_batch(world(), flags=flags)
    links = spark.createDataFrame(link_table(world()).to_pandas())
    flagged = spark.createDataFrame(flags, "kind string, id string")
    comps = components(links, flagged).localCheckpoint()
    by_node = {(r["kind"], r["id"]): (r["nid"], r["component"]) for r in comps.collect()}
    risk = propagate(links, flagged, comps=comps).collect()
    return local, by_node, {(r["kind"], r["id"]): (r["ppr"], r["risk"]) for r in risk}


def test_components_equal_local(graph: Any) -> None:
    local, by_node, _ = graph
    groups: dict[int, set[Node]] = {}
    for node, (_, comp) in by_node.items():
        groups.setdefault(comp, set()).add(node)
    ours = sorted(sorted(g) for g in groups.values())
    theirs = sorted(sorted(c) for c in local.components)
    assert len(ours) == len(theirs)
    assert ours == theirs
    assert max(len(c) for c in theirs) > 10  # the world links accounts through shared devices


def test_component_is_named_by_its_smallest_node_id(graph: Any) -> None:
    _, by_node, _ = graph
    smallest: dict[int, int] = {}
    for nid, comp in by_node.values():
        smallest[comp] = min(nid, smallest.get(comp, nid))
    assert all(comp == low for comp, low in smallest.items())
    assert len({nid for nid, _ in by_node.values()}) == len(by_node)  # ids are unique


def test_propagated_risk_equals_local(graph: Any) -> None:
    local, _, ours = graph
    nodes = set(local.ppr) | set(ours)
    worst_ppr = max(abs(ours.get(n, (0.0, 0.0))[0] - local.ppr.get(n, 0.0)) for n in nodes)
    worst_risk = max(abs(ours.get(n, (0.0, 0.0))[1] - local.risk.get(n, 0.0)) for n in nodes)
    assert worst_ppr < 1e-9
    assert worst_risk < 1e-7
    assert sum(1 for v in local.risk.values() if 0.0 < v < 1.0) >= 3  # risk really spread
    assert ours[FLAGS[0]][0] == pytest.approx(local.ppr[FLAGS[0]], rel=1e-9)
