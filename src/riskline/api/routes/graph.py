"""GET /v1/graph/{entity}: an entity's neighbourhood in the link graph, with risk and rings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request

from riskline.api.auth import require
from riskline.api.strictjson import StrictJsonRoute
from riskline.errors import InvalidInput, NotFound
from riskline.events.codec import to_plain
from riskline.storage import ApiKey, Role

__all__ = ["router"]

router = APIRouter(tags=["graph"], route_class=StrictJsonRoute)
KINDS = ("account", "person", "device", "phone", "id", "ip", "card", "merchant", "enterprise")


@router.get("/v1/graph/{entity}", summary="Neighbourhood of kind:id in the link graph")
async def get_graph(
    request: Request,
    entity: str = Path(min_length=3, max_length=200, description="kind:id, e.g. account:A123"),
    depth: int = Query(default=2, ge=1, le=4),
    limit: int = Query(default=200, ge=1, le=2000),
    key: ApiKey = Depends(require(Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)),
) -> dict[str, Any]:
    """Nodes, edges, risk and ring ids around an entity (for the console)."""
    kind, sep, key_id = entity.partition(":")
    if not sep or kind not in KINDS or not key_id:
        raise InvalidInput(f"entity must be kind:id with kind one of {', '.join(KINDS)}")
    runtime = request.app.state.runtime
    graph = runtime.engine.graph
    if graph is None:
        raise NotFound("the link graph is not enabled")

    def view() -> dict[str, Any]:
        if (kind, key_id) not in graph.risk.graph:
            raise NotFound(f"{entity} is not in the link graph")
        found = graph.risk.neighbourhood(kind, key_id, depth, limit)
        result: dict[str, Any] = to_plain(found)
        return result

    out: dict[str, Any] = await runtime.ingestor.call_async(view)
    return out
