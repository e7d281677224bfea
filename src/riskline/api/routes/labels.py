"""Fraud labels (chargebacks, reports) fed back to the engine: ``POST /v1/labels``.

Stored durably (``fraud_labels``) before the answer; the same label sent again changes nothing
(``replayed``); from the moment it is stored, the entity-risk features (``risk.*``) of later
payments count it (:mod:`riskline.features.entity_risk_online`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from riskline.api.auth import require
from riskline.api.strictjson import StrictJsonRoute
from riskline.events.schema import Id, Timestamp
from riskline.storage import ApiKey, Role
from riskline.storage.labels import ReportedLabel, SqlLabelStore

__all__ = ["router"]

router = APIRouter(tags=["labels"], route_class=StrictJsonRoute)


class LabelIn(BaseModel):
    """One event's label: fraud (true) or genuine (false), and when it was reported."""

    model_config = ConfigDict(extra="forbid", strict=True)

    event_id: Id
    fraud: bool
    reported_at: Annotated[Timestamp, Field(strict=False)]


class LabelsIn(BaseModel):
    """Up to 10,000 labels, stored all together or not at all."""

    model_config = ConfigDict(extra="forbid")

    labels: Annotated[list[LabelIn], Field(min_length=1, max_length=10_000)]


@router.post("/v1/labels", summary="Report fraud or genuine labels of events (chargebacks)")
async def post_labels(
    request: Request,
    body: LabelsIn,
    key: ApiKey = Depends(require(Role.INGEST, Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)),
) -> dict[str, Any]:
    """Store the labels (all or none), then hand them to the engine's entity risk."""
    runtime = request.app.state.runtime
    store = SqlLabelStore(runtime.db)
    labels = [ReportedLabel(x.event_id, x.fraud, x.reported_at) for x in body.labels]

    def add() -> dict[str, Any]:
        done = store.add(labels, "api", runtime.engine.clock.now())
        if runtime.entity_risk is not None:
            runtime.entity_risk.sync()
        return {
            "added": done.added,
            "replayed": done.replayed,
            "unknown_events": done.unknown_events,
        }

    result: dict[str, Any] = await runtime.ingestor.call_async(add)
    return result
