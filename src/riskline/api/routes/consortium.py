"""POST /v1/consortium/screen: check applicants against the consortium before deciding.

Clear identifiers arrive here once, become consortium tokens (for the private queries) and local
digests (for lists and features), and are dropped. Hits go on the local ``watch`` list with
source ``consortium:<member>``; the number of members that saw the person apply recently and
the number of hits become the ``consortium.lenders_30d`` and ``consortium.hits`` features of
their account, person, phone, ID and device from now on. The peers are configured like a
member node (``RISKLINE_CONSORTIUM_KEY``, ``RISKLINE_CONSORTIUM_PEERS_FILE``, ...) and wired in
``riskline.runtime`` (``Runtime.screening``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from riskline.api.auth import require
from riskline.api.strictjson import StrictJsonRoute
from riskline.errors import NotFound
from riskline.runtime import Screening
from riskline.storage import ApiKey, Role

__all__ = ["ApplicantIn", "router"]

router = APIRouter(tags=["consortium"], route_class=StrictJsonRoute)
Ref = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Ident = Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)]


class ApplicantIn(BaseModel):
    """One applicant to screen; at least one of phone, ID number or device."""

    model_config = ConfigDict(extra="forbid")

    ref: Ref
    account_id: Ref | None = None
    person_id: Ref | None = None
    phone: Ident | None = None
    id_number: Ident | None = None
    device_id: Ident | None = None


class ScreenIn(BaseModel):
    """A batch of applicants."""

    model_config = ConfigDict(extra="forbid")

    applicants: Annotated[list[ApplicantIn], Field(min_length=1, max_length=500)]


def _screening(request: Request) -> Screening:
    """The runtime's screening (built in ``riskline.runtime`` from the consortium settings)."""
    screening: Screening | None = request.app.state.runtime.screening
    if screening is None:
        raise NotFound(
            "no consortium is configured on this server "
            "(RISKLINE_CONSORTIUM_KEY and RISKLINE_CONSORTIUM_PEERS_FILE)"
        )
    return screening


@router.post("/v1/consortium/screen", summary="Screen applicants against the consortium")
async def screen(
    request: Request, body: ScreenIn, key: ApiKey = Depends(require(Role.INGEST, Role.ADMIN))
) -> dict[str, Any]:
    """Private queries to every peer; hits go on the watch list, counts become features."""
    from riskline.consortium import ListWriter, applicant

    runtime = request.app.state.runtime
    screening = _screening(request)
    screener, hasher = screening.screener, screening.hasher
    people = []
    for a in body.applicants:
        clear = {"phone": a.phone, "id": a.id_number, "device": a.device_id}
        extra = {"account": a.account_id, "person": a.person_id}
        people.append(
            applicant(
                a.ref,
                {k: v for k, v in clear.items() if v},
                hasher,
                runtime.hasher,
                extra={k: v for k, v in extra.items() if v},
            )
        )

    def ask() -> tuple[list[Any], dict[str, int]]:
        return screener.hits(people), {p.ref: screener.lenders(p) for p in people}

    hits, lenders = await run_in_threadpool(ask)  # network round trips: off the writer

    def record() -> dict[str, Any]:
        now = runtime.engine.clock.now()
        ListWriter(runtime.lists).write(hits, people, now)
        out: dict[str, Any] = {}
        for person in people:
            mine = [h for h in hits if h.ref == person.ref]
            values = {"consortium.lenders_30d": lenders[person.ref], "consortium.hits": len(mine)}
            runtime.consortium.record(person, values, now)
            out[person.ref] = {
                "hits": [{"kind": h.kind, "member": h.member, "reason": h.reason} for h in mine],
                "lenders_30d": lenders[person.ref],
            }
        return out

    # on the writer, so list entries and signals land between two decisions, never inside one
    return {"applicants": await runtime.ingestor.call_async(record)}
