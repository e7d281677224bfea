"""Operations routes: health and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import text

from riskline.api.auth import require
from riskline.api.strictjson import StrictJsonRoute
from riskline.errors import Unavailable
from riskline.storage import ApiKey, Role, current_revision

__all__ = ["router"]

router = APIRouter(tags=["ops"], route_class=StrictJsonRoute)


@router.get("/healthz", summary="Liveness and database reachability (no key needed)")
def healthz(request: Request) -> dict[str, Any]:
    """200 when the database answers and the writer runs; 503 otherwise."""
    runtime = request.app.state.runtime
    try:
        with runtime.db.connect() as conn:
            conn.execute(text("SELECT 1"))
        revision = current_revision(runtime.db)
    except Exception as err:
        raise Unavailable(f"database unreachable: {type(err).__name__}") from err
    if runtime.engine.needs_rebuild:
        raise Unavailable("engine state is being rebuilt")
    return {"status": "ok", "schema": revision, "policy": runtime.engine.policy.version}


@router.get("/metrics", summary="Prometheus metrics (admin key)")
def metrics(request: Request, key: ApiKey = Depends(require(Role.ADMIN))) -> Response:
    """Events, decisions by outcome, latency histogram."""
    return Response(request.app.state.metrics.render(), media_type="text/plain; version=0.0.4")
