"""POST /v1/lines/{id}/actions: an analyst acts on a credit line."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from riskline.api.auth import require
from riskline.api.routes.read import line_to_dict
from riskline.api.strictjson import StrictJsonRoute
from riskline.credit import (
    Actor,
    Close,
    CutLimit,
    Freeze,
    LineCommand,
    Reinstate,
    RestoreLimit,
    SetLimit,
    apply,
)
from riskline.errors import InvalidInput
from riskline.events.schema import AsciiDecimal
from riskline.storage import ApiKey, Role

__all__ = ["LineActionIn", "router"]

router = APIRouter(tags=["lines"], route_class=StrictJsonRoute)
Code = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,63}$")]


class LineActionIn(BaseModel):
    """An analyst's action on a line, with the reason codes that justify it."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["freeze", "cut_limit", "restore_limit", "reinstate", "close", "set_limit"]
    reasons: Annotated[list[Code], Field(min_length=1, max_length=10)]
    note: Annotated[str, StringConstraints(max_length=500)] = ""
    days: int | None = Field(default=None, ge=1, le=3650)
    review_days: int = Field(default=7, ge=0, le=365)
    limit: Annotated[AsciiDecimal, Field(decimal_places=2)] | None = Field(
        default=None, ge=0, le=Decimal("1000000000"), allow_inf_nan=False
    )
    """A money amount: a plain decimal with at most two decimal places (``"5000.00"``)."""

    def command(self) -> LineCommand:
        """The state-machine command this asks for."""
        match self.action:
            case "freeze":
                if self.days is None:
                    raise InvalidInput("freeze needs days")
                return Freeze(self.days, self.review_days)
            case "cut_limit" | "set_limit":
                if self.limit is None:
                    raise InvalidInput(f"{self.action} needs limit")
                return CutLimit(self.limit) if self.action == "cut_limit" else SetLimit(self.limit)
            case "restore_limit":
                return RestoreLimit()
            case "reinstate":
                return Reinstate()
        return Close()


@router.post("/v1/lines/{line_id}/actions", summary="Act on a credit line as an analyst")
async def post_line_action(
    request: Request,
    body: LineActionIn,
    line_id: str = Path(min_length=1, max_length=200),
    key: ApiKey = Depends(require(Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)),
) -> dict[str, Any]:
    """Apply a legal transition; 409 for an illegal one; recorded with the analyst as actor."""
    runtime = request.app.state.runtime
    cmd = body.command()
    actor = Actor("analyst", key.key_id)

    def act() -> dict[str, Any]:
        store = runtime.store
        line = store.get_line(line_id)
        new, change = apply(line, cmd, actor, tuple(body.reasons), None, runtime.engine.clock.now())
        store.apply_change(line, new, change)
        return line_to_dict(new, store.line_history(line_id))

    result: dict[str, Any] = await runtime.ingestor.call_async(act)
    return result
