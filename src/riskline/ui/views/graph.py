"""The linked-entity graph: a page drawn by cytoscape.js from a JSON endpoint, and rings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from riskline.errors import InvalidInput, NotFound
from riskline.ui.graphdata import ENTITY_KINDS, elements, ring_view
from riskline.ui.render import render
from riskline.ui.security import require_role
from riskline.ui.sessions import Session
from riskline.ui.users import ConsoleRole

__all__ = ["neighbourhood", "rings_of", "router"]

router = APIRouter()
_ANALYST = Depends(require_role(ConsoleRole.ANALYST))


def _parse(entity: str) -> tuple[str, str]:
    kind, sep, key = entity.partition(":")
    if not sep or kind not in ENTITY_KINDS or not key:
        raise InvalidInput(f"entity must be kind:id with kind one of {', '.join(ENTITY_KINDS)}")
    return kind, key


async def neighbourhood(
    request: Request, entity: str, depth: int, limit: int
) -> dict[str, Any] | None:
    """Cytoscape elements around ``entity`` (None when it is not in the graph), read on the
    writer thread so the graph is never read while an event changes it."""
    kind, key = _parse(entity)
    runtime = request.app.state.console.runtime
    graph = runtime.engine.graph
    if graph is None:
        raise NotFound("the link graph is not enabled")
    base = request.scope.get("root_path", "")

    def view() -> dict[str, Any] | None:
        if (kind, key) not in graph.risk.graph:
            return None
        found = graph.risk.neighbourhood(kind, key, depth, limit)
        out = elements(found, base)
        out["risk"] = found.risk
        out["truncated"] = found.truncated
        return out

    result: dict[str, Any] | None = await runtime.ingestor.call_async(view)
    return result


async def rings_of(request: Request, entities: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Rings any of ``entities`` belongs to (each ring once), with their members."""
    runtime = request.app.state.console.runtime
    graph = runtime.engine.graph
    if graph is None:
        return []
    base = request.scope.get("root_path", "")

    def find() -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        for kind, key in entities:
            if (kind, key) in graph.risk.graph:
                for ring in graph.risk.rings_for(kind, key):
                    seen.setdefault(ring.id, ring_view(ring, base))
        return sorted(seen.values(), key=lambda r: -float(r["score"]))

    result: list[dict[str, Any]] = await runtime.ingestor.call_async(find)
    return result


@router.get("/graph")
async def graph_page(
    request: Request,
    entity: str = Query(min_length=3, max_length=200),
    depth: int = Query(default=2, ge=1, le=4),
    session: Session = _ANALYST,
) -> Response:
    """The entity's neighbourhood drawn in the browser, and the rings it belongs to."""
    kind, key = _parse(entity)
    rings = await rings_of(request, [(kind, key)])
    return render(
        request,
        "graph.html",
        {"entity": entity, "depth": depth, "rings": rings, "nav": "search"},
    )


@router.get("/graph/data")
async def graph_data(
    request: Request,
    entity: str = Query(min_length=3, max_length=200),
    depth: int = Query(default=2, ge=1, le=4),
    limit: int = Query(default=150, ge=1, le=1000),
    session: Session = _ANALYST,
) -> Response:
    """JSON for cytoscape.js: ``{"nodes": [...], "edges": [...], "risk", "truncated"}``."""
    found = await neighbourhood(request, entity, depth, limit)
    if found is None:
        return JSONResponse({"nodes": [], "edges": [], "missing": True}, status_code=404)
    return JSONResponse(found)
