"""Block, allow and watch lists: add, remove, read (phone, ID and card values are hashed).

A value is checked by its kind before it is stored: an ``ip`` must be an IPv4 or IPv6 address
(kept as written, like the ``ip`` of an event), the other unhashed kinds an entity id as events
carry it (``riskline.events.schema.ID_PATTERN``: ASCII letters, digits and ``_.:@-``, 1 to 128
characters), so every entry can be matched by an event and removed by its URL.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from riskline.api.auth import require
from riskline.api.strictjson import StrictJsonRoute
from riskline.errors import InvalidInput, NotFound
from riskline.events.schema import ID_PATTERN
from riskline.rules import ListEntry
from riskline.storage import ApiKey, Role

__all__ = ["router"]

router = APIRouter(tags=["lists"], route_class=StrictJsonRoute)
ListName = Literal["block", "allow", "watch"]
Kind = Literal["account", "person", "device", "phone", "id", "ip", "card", "merchant", "enterprise"]
_HASHED = {"phone": "phone", "id": "id_number", "card": "card"}
_ENTITY_ID = re.compile(ID_PATTERN)


class ListEntryIn(BaseModel):
    """An entity to put on a list, with where the decision came from and for how long."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    value: Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)]
    source: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    ttl_days: int | None = Field(default=None, ge=1, le=3650)
    note: Annotated[str, StringConstraints(max_length=500)] = ""


def _checked(kind: str, value: str) -> str:
    """``value`` if it is a well-formed ``kind`` value, else a 422 saying what is expected."""
    if kind in _HASHED:
        return value  # the hasher checks phone, ID and card numbers
    if kind == "ip":
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise InvalidInput(f"value: {value!r} is not an IPv4 or IPv6 address") from None
    elif not _ENTITY_ID.fullmatch(value):
        raise InvalidInput(
            f"value: a {kind} id is 1 to 128 ASCII letters, digits or any of _ . : @ -"
        )
    return value


def _key(request: Request, kind: str, value: str) -> str:
    method = _HASHED.get(kind)
    if method is None:
        return value
    try:
        digest: str = getattr(request.app.state.runtime.hasher, method)(value)
    except ValueError as err:
        raise InvalidInput(f"value: {err}") from None
    return digest


def _view(e: ListEntry, now: datetime) -> dict[str, Any]:
    return {
        "list": e.list_name,
        "kind": e.kind,
        "value": e.value,
        "source": e.source,
        "added_at": e.added_at.isoformat(),
        "expires_at": e.expires_at.isoformat() if e.expires_at else None,
        "active": e.active(now),
        "note": e.note,
    }


@router.post("/v1/lists/{list_name}/entries", summary="Put an entity on a list")
async def add_entry(
    request: Request,
    body: ListEntryIn,
    list_name: ListName = Path(),
    key: ApiKey = Depends(require(Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)),
) -> dict[str, Any]:
    """Insert or replace; a block entry also flags the entity in the link graph."""
    runtime = request.app.state.runtime
    now = runtime.engine.clock.now()
    expires = now + timedelta(days=body.ttl_days) if body.ttl_days else None
    value = _key(request, body.kind, _checked(body.kind, body.value))
    entry = ListEntry(list_name, body.kind, value, body.source, now, expires, body.note)

    def add() -> dict[str, Any]:
        runtime.lists.add(entry)
        if list_name == "block" and runtime.engine.graph is not None:
            runtime.engine.graph.flag(body.kind, value, f"blocklist:{body.source}")
        return _view(entry, now)

    result: dict[str, Any] = await runtime.ingestor.call_async(add)
    return result


@router.delete(
    "/v1/lists/{list_name}/entries/{kind}/{value:path}", summary="Take an entity off a list"
)
async def remove_entry(
    request: Request,
    list_name: ListName = Path(),
    kind: Kind = Path(),
    value: str = Path(min_length=1, max_length=128),
    key: ApiKey = Depends(require(Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)),
) -> dict[str, Any]:
    """404 when the entity is not on the list (values are not checked: any stored one goes)."""
    runtime = request.app.state.runtime
    stored = _key(request, kind, value)
    removed = await runtime.ingestor.call_async(
        lambda: runtime.lists.remove(list_name, kind, stored)
    )
    if not removed:
        raise NotFound(f"{kind} {value} is not on the {list_name} list")
    return {"removed": True}


@router.get("/v1/lists/{list_name}", summary="Entries of a list")
def list_entries(
    request: Request,
    list_name: ListName = Path(),
    limit: int = Query(default=500, ge=1, le=10_000),
    key: ApiKey = Depends(require(Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)),
) -> dict[str, Any]:
    """The newest entries first, active or not."""
    runtime = request.app.state.runtime
    now = runtime.engine.clock.now()
    entries = sorted(runtime.lists.entries(list_name), key=lambda e: e.added_at, reverse=True)
    return {"entries": [_view(e, now) for e in entries[:limit]]}
