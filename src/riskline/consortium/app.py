"""The member node's HTTP API (its own FastAPI app, separate from the engine's).

Member routes (``/v1/summary``, ``/v1/setup/…``, ``/v1/query/…``) need a signed request from a
known member and sign their answers; operator routes (filing, disputes, publishing, the audit
log) need this member's operator bearer token.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from riskline.api.errors import install_error_handlers
from riskline.consortium.auth import H_NONCE, H_SIGNATURE
from riskline.consortium.limits import RateLimited
from riskline.consortium.node import Node
from riskline.consortium.ops import Ops
from riskline.errors import PayloadTooLarge, Unauthenticated

__all__ = ["create_node_app"]

log = logging.getLogger(__name__)


class CaseIn(BaseModel):
    """The four-eyes case outcome behind a filing."""

    model_config = ConfigDict(extra="forbid")
    case_id: str = Field(min_length=1, max_length=64)
    analyst: str = Field(min_length=1, max_length=64)
    approver: str = Field(min_length=1, max_length=64)
    confirmed: bool


class IdentifiersIn(BaseModel):
    """Clear identifiers, hashed on arrival and never stored."""

    model_config = ConfigDict(extra="forbid")
    phone: str | None = Field(default=None, max_length=32)
    id: str | None = Field(default=None, max_length=40)
    device: str | None = Field(default=None, max_length=128)

    def clear(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v}


class FilingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case: CaseIn
    identifiers: IdentifiersIn
    reason: str
    evidence: str
    ttl_seconds: int | None = Field(default=None, ge=1)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: str = Field(pattern="^(uphold|withdraw)$")


class ApplicationsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    applicants: list[IdentifiersIn] = Field(max_length=10_000)


def _operator(node: Node) -> Any:
    def check(authorization: Annotated[str, Header()] = "") -> None:
        token = authorization.removeprefix("Bearer ").strip()
        if not node.operator_token or not hmac.compare_digest(token, node.operator_token):
            raise Unauthenticated("operator routes need this member's operator token")

    return Depends(check)


async def _rate_limited(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    headers = {"Retry-After": str(max(1, round(exc.retry_after)))}
    return JSONResponse(exc.to_dict(), status_code=429, headers=headers)


def create_node_app(node: Node, *, maintain: bool = True) -> FastAPI:
    """The node's app; with ``maintain`` a background task purges and re-publishes."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_maintain_loop(node)) if maintain else None
        yield
        if task is not None:
            task.cancel()

    app = FastAPI(title=f"Riskline consortium node {node.member}", lifespan=lifespan)
    install_error_handlers(app)
    app.add_exception_handler(RateLimited, _rate_limited)
    ops = Ops(node)
    _member_routes(app, node, ops)
    _operator_routes(app, node, ops)
    return app


async def _maintain_loop(node: Node) -> None:
    while True:
        try:
            await run_in_threadpool(node.maintain)
        except Exception:  # keep serving the current publication; try again next round
            log.exception("consortium maintenance (purge / re-publish) failed")
        await asyncio.sleep(node.republish_seconds)


async def _signed(request: Request, node: Node) -> tuple[str, bytes]:
    """Headers checked first, then at most ``node.max_body_bytes`` read, then the signature."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    now = node.clock.now().timestamp()
    node.verifier.precheck(headers, now=now)
    body = await _capped_body(request, node.max_body_bytes)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    member = node.verifier.verify(request.method, path, body, headers, now=now)
    return member, body


async def _capped_body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body exceeds {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _reply(node: Node, request: Request, member: str, body: bytes, media: str) -> Response:
    nonce = request.headers.get(H_NONCE, "")
    sig = node.verifier.sign_response(member, 200, body, nonce)
    return Response(body, media_type=media, headers={H_SIGNATURE: sig})


def _member_routes(app: FastAPI, node: Node, ops: Ops) -> None:
    json_type = "application/json"

    @app.get("/v1/health")
    def health() -> dict[str, str]:
        return {"member": node.member, "status": "ok"}

    @app.get("/v1/summary")
    async def summary(request: Request) -> Response:
        member, _ = await _signed(request, node)
        return _reply(node, request, member, ops.summary_json(), json_type)

    @app.get("/v1/setup/{kind}")
    async def setup_meta(kind: str, request: Request) -> Response:
        member, _ = await _signed(request, node)
        return _reply(node, request, member, ops.setup_meta_json(kind), json_type)

    @app.get("/v1/setup/{kind}/{version}/{name}")
    async def setup_blob(kind: str, version: int, name: str, request: Request) -> Response:
        member, _ = await _signed(request, node)
        blob = ops.setup_blob(kind, version, name)
        return _reply(node, request, member, blob, "application/octet-stream")

    @app.post("/v1/query/{kind}")
    async def query(kind: str, version: int, request: Request) -> Response:
        member, body = await _signed(request, node)
        answer = await run_in_threadpool(node.holder.answer, member, kind, version, body)
        return _reply(node, request, member, answer, "application/octet-stream")


def _operator_routes(app: FastAPI, node: Node, ops: Ops) -> None:
    op = _operator(node)

    @app.post("/v1/entries", dependencies=[op])
    def file(body: FilingIn) -> dict[str, Any]:
        return ops.file(
            body.case, body.identifiers.clear(), body.reason, body.evidence, body.ttl_seconds
        )

    @app.post("/v1/disputes", dependencies=[op])
    def dispute(body: IdentifiersIn) -> dict[str, Any]:
        return ops.dispute(body.clear())

    @app.post("/v1/entries/{entry_id}/review", dependencies=[op])
    def review(entry_id: str, body: ReviewIn) -> dict[str, Any]:
        return ops.review(entry_id, body.decision == "uphold")

    @app.post("/v1/applications", dependencies=[op])
    def applications(body: ApplicationsIn) -> dict[str, Any]:
        return ops.applications([a.clear() for a in body.applicants])

    @app.post("/v1/publish", dependencies=[op])
    def publish() -> dict[str, Any]:
        return ops.publish()

    @app.get("/v1/audit", dependencies=[op])
    def audit() -> dict[str, Any]:
        return ops.audit()
