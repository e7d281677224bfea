"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from riskline import __version__
from riskline.api.auth import AuthFailures, KeyCache, RateLimiter
from riskline.api.errors import install_error_handlers
from riskline.api.fastpath import EventFastPath
from riskline.api.limits import BodyLimit
from riskline.api.metrics import Metrics, RejectCounter
from riskline.api.periodic import (
    RELEASE_RETRY_SECONDS,
    build_monitor,
    retry_releases,
    watch_alerts,
)
from riskline.api.routes import (
    cases,
    casework,
    consortium,
    events,
    graph,
    labels,
    lines,
    lists,
    merchants,
    notices,
    ops,
    read,
    stepup,
)
from riskline.runtime import Runtime
from riskline.ui import mount_console

__all__ = ["create_app"]


def create_app(
    runtime: Runtime,
    *,
    retry_every: float = RELEASE_RETRY_SECONDS,
    fast_events: bool | None = None,
) -> FastAPI:
    """An app serving ``runtime``; the caller owns the runtime's lifetime.

    ``fast_events`` (default: the setting of that name) answers well-formed
    ``POST /v1/events`` requests of recently verified keys without the framework's per-request
    machinery (:mod:`riskline.api.fastpath`); the answers are the route's own.

    While served, failed step-up releases are retried every ``retry_every`` seconds.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = [
            asyncio.create_task(retry_releases(lambda: stepup.stepup_service_for(app), retry_every))
        ]
        every = runtime.settings.monitoring.every_seconds
        if every > 0:  # monitoring alerts and gauges (riskline.monitoring)
            tasks.append(asyncio.create_task(watch_alerts(app.state.monitor, metrics, every)))
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(
        lifespan=lifespan,
        title="Riskline",
        version=__version__,
        description=(
            "Real-time risk decisions for credit lines. "
            "Authenticate with `Authorization: Bearer <key>`."
        ),
    )
    app.state.runtime = runtime
    app.state.metrics = metrics = Metrics()
    app.state.monitor = build_monitor(runtime.settings, runtime.db, runtime.engine.clock)
    app.state.keys = KeyCache(runtime.keys, ttl=runtime.settings.key_cache_seconds)
    app.state.auth_failures = AuthFailures()
    app.state.limiter = RateLimiter(
        runtime.settings.rate_limit_per_s, runtime.settings.rate_limit_burst
    )
    install_error_handlers(app)
    for module in (events, read, lines, lists, graph, ops, cases, notices, stepup, consortium):
        app.include_router(module.router)
    app.include_router(labels.router)  # fraud labels fed back (issue 20)
    app.include_router(casework.router)  # notes, tags, attachments, bulk actions, shifts
    app.include_router(merchants.router)  # merchant holds and caps
    mount_console(app, runtime)  # the analyst console under /console (RISKLINE_CONSOLE_*)
    if (
        runtime.settings.fast_events if fast_events is None else fast_events
    ):  # the events route's common case without the framework (api.fastpath)
        app.add_middleware(
            EventFastPath,
            runtime=runtime,
            keys=app.state.keys,
            limiter=app.state.limiter,
            metrics=metrics,
        )
    app.add_middleware(BodyLimit, max_bytes=runtime.settings.max_body_bytes)
    app.add_middleware(RejectCounter, metrics=metrics)  # outermost: every refusal, once

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schema.setdefault("components", {}).setdefault("schemas", {}).update(
            events.event_components()
        )
        schema["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        schema["security"] = [{"bearer": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
