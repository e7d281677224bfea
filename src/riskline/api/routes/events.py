"""POST /v1/events: one event or a bounded batch in, decisions out."""

from __future__ import annotations

import json
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request

from riskline.api.auth import require
from riskline.api.strictjson import StrictJsonRoute
from riskline.decisioning import BatchResult
from riskline.errors import InvalidEvent, InvalidInput, PayloadTooLarge
from riskline.events import Event, event_json_schema, parse_event
from riskline.events.pii import PiiHasher
from riskline.events.schema import loads_strict
from riskline.storage import ApiKey, Role
from riskline.storage.serde import decision_fields, decision_to_dict

__all__ = ["decisions_body", "decisions_json", "read_events", "router"]

router = APIRouter(tags=["events"], route_class=StrictJsonRoute)


def parse_body(raw: bytes) -> Any:
    """Strict JSON: UTF-8, no NaN/Infinity, no repeated key, bounded nesting."""
    try:
        return loads_strict(raw)
    except UnicodeDecodeError:
        raise InvalidInput("request body is not valid UTF-8") from None
    except RecursionError:
        raise InvalidInput("request body is nested too deeply") from None
    except ValueError as err:
        raise InvalidInput(f"request body is not valid JSON: {err}") from None


def _events(data: Any, max_batch: int) -> tuple[list[Any], bool]:
    if isinstance(data, dict) and "events" in data and "type" not in data:
        if set(data) != {"events"} or not isinstance(data["events"], list):
            raise InvalidInput("a batch is an object with a single key 'events' holding a list")
        items: list[Any] = data["events"]
        if not items:
            raise InvalidInput("a batch needs at least one event")
        if len(items) > max_batch:
            raise PayloadTooLarge(f"a batch holds at most {max_batch} events, got {len(items)}")
        return items, True
    if isinstance(data, dict):
        return [data], False
    raise InvalidInput("expected an event object or {'events': [...]}")


def read_events(raw: bytes, hasher: PiiHasher, max_batch: int) -> tuple[list[Event], bool]:
    """The events of a request body (one event or a batch) and whether it was a batch."""
    items, batch = _events(parse_body(raw), max_batch)
    return _parse_all(items, hasher, batch), batch


def decisions_body(result: BatchResult, batch: bool) -> dict[str, Any]:
    """The response body for the decisions of a request."""
    return _answer([decision_to_dict(d) for d in result.decisions], result, batch)


def decisions_json(result: BatchResult, batch: bool) -> bytes:
    """:func:`decisions_body` as JSON bytes, serialised in one pass."""
    views = [decision_fields(d) for d in result.decisions]
    return orjson.dumps(_answer(views, result, batch), default=str)


def _answer(views: list[dict[str, Any]], result: BatchResult, batch: bool) -> dict[str, Any]:
    if batch:
        return {"decisions": views, "replayed": list(result.replayed)}
    return {"decision": views[0], "replayed": result.replayed[0]}


def _parse_all(items: list[Any], hasher: PiiHasher, batch: bool) -> list[Event]:
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidEvent(f"events.{i}: an event must be a JSON object")
        try:
            out.append(parse_event(item, hasher))
        except InvalidEvent as err:
            if not batch:
                raise
            details = [{**d, "loc": ["events", str(i), *d["loc"]]} for d in err.details]
            raise InvalidEvent(f"events.{i}: {err.message}", details=details) from None
    return out


_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/Event"},
                        {
                            "type": "object",
                            "required": ["events"],
                            "properties": {
                                "events": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Event"},
                                }
                            },
                        },
                    ]
                }
            }
        },
    }
}


@router.post(
    "/v1/events", openapi_extra=_SCHEMA, summary="Submit one event or a batch; get decisions"
)
async def post_events(
    request: Request, key: ApiKey = Depends(require(Role.INGEST, Role.ADMIN))
) -> dict[str, Any]:
    """Validate, decide and durably store events; replays return the stored decision."""
    runtime = request.app.state.runtime
    events, batch = read_events(
        await request.body(), runtime.hasher, runtime.settings.max_batch_events
    )
    result = await runtime.ingestor.process_async(events)
    request.app.state.metrics.observe(result.decisions, result.replayed)
    return decisions_body(result, batch)


def event_components() -> dict[str, Any]:
    """OpenAPI components for the event union."""
    schema = event_json_schema()
    defs = schema.pop("$defs", {})
    text = json.dumps(schema).replace("#/$defs/", "#/components/schemas/")
    defs_text = json.dumps(defs).replace("#/$defs/", "#/components/schemas/")
    return {"Event": json.loads(text), **json.loads(defs_text)}
