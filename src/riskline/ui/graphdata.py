"""The link graph as the console draws it: cytoscape.js elements and ring member lists.

>>> from riskline.graph import GraphView, NodeView, EdgeView
>>> view = GraphView(("account", "a1"), (NodeView(("account", "a1"), 0.5, ("fraud",), 0),
...     NodeView(("device", "d1"), 0.0, (), 1)),
...     (EdgeView(("account", "a1"), ("device", "d1"), ("device",), 0.0, 1.0, 2, 0.0),), 0.5)
>>> els = elements(view, "/console")
>>> [e["data"]["id"] for e in els["nodes"]], els["edges"][0]["data"]["label"]
(['account:a1', 'device:d1'], 'device ×2')
>>> els["nodes"][0]["data"]["url"]
'/console/accounts/a1'
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from riskline.features.fields import DIRECT_KINDS
from riskline.graph import GraphView, Ring

__all__ = ["ENTITY_KINDS", "elements", "node_id", "ring_view"]

ENTITY_KINDS = DIRECT_KINDS
"""Kinds a graph node can have: the entities events name."""
_PAGES = {"account": "accounts", "person": "persons"}


def node_id(node: tuple[str, str]) -> str:
    """``kind:key`` for a graph node."""
    return f"{node[0]}:{node[1]}"


def _label(kind: str, key: str) -> str:
    short = key if len(key) <= 14 else f"{key[:11]}…"
    return f"{kind} {short}"


def _url(base: str, kind: str, key: str) -> str:
    page = _PAGES.get(kind)
    if page is not None:
        return f"{base}/{page}/{quote(key, safe='')}"
    return f"{base}/graph?entity={quote(f'{kind}:{key}', safe='')}"


def elements(view: GraphView, base: str) -> dict[str, Any]:
    """Nodes and edges in cytoscape.js's element format, with console links on nodes."""
    nodes = [
        {
            "data": {
                "id": node_id(n.node),
                "label": _label(*n.node),
                "kind": n.node[0],
                "risk": round(n.risk, 4),
                "flags": list(n.flags),
                "flagged": bool(n.flags),
                "depth": n.depth,
                "center": n.node == view.center,
                "url": _url(base, *n.node),
            }
        }
        for n in view.nodes
    ]
    edges = []
    for i, e in enumerate(view.edges):
        label = "/".join(e.kinds) + (f" ×{e.count}" if e.count > 1 else "")
        edges.append(
            {
                "data": {
                    "id": f"e{i}",
                    "source": node_id(e.src),
                    "target": node_id(e.dst),
                    "label": label,
                    "count": e.count,
                    "amount": round(e.amount, 2),
                }
            }
        )
    return {"nodes": nodes, "edges": edges}


def ring_view(ring: Ring, base: str) -> dict[str, Any]:
    """A ring for the page: id, typology, score, members with links."""
    return {
        "id": ring.id,
        "kind": ring.kind.value,
        "score": ring.score,
        "members": [
            {"id": node_id(m), "label": _label(*m), "url": _url(base, *m)} for m in ring.members
        ],
        "evidence": len(ring.evidence),
    }
