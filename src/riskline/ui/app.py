"""The console application: a FastAPI sub-app mounted under ``/console`` of the API."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from riskline.cases import CaseService
from riskline.config import ConsoleSettings
from riskline.runtime import Runtime
from riskline.ui.cache import TtlCache
from riskline.ui.errors import install_console_errors
from riskline.ui.queries import ConsoleQueries
from riskline.ui.render import STATIC_DIR
from riskline.ui.security import SecurityHeaders, enforce_csrf
from riskline.ui.sessions import SessionStore, Signer
from riskline.ui.users import UserStore

__all__ = ["Console", "create_console", "mount_console"]


@dataclass(slots=True)
class Console:
    """What the console's views need, built once per app."""

    runtime: Runtime
    settings: ConsoleSettings
    users: UserStore
    sessions: SessionStore
    signer: Signer
    queries: ConsoleQueries
    figures: TtlCache
    """Dashboard figures, recomputed at most every ``dashboard_ttl_seconds``."""
    cases: CaseService | None = None
    """The runtime's review-case service; None leaves the queue and case pages out."""


def create_console(
    runtime: Runtime, settings: ConsoleSettings | None = None, *, cases: CaseService | None = None
) -> FastAPI:
    """The console app over ``runtime`` (CSRF checked on every unsafe request)."""
    from riskline.ui.views import (
        admin,
        auth,
        authoring,
        casework,
        dashboard,
        graph,
        monitoring,
        records,
    )

    settings = settings or runtime.settings.console
    app = FastAPI(
        title="Riskline console",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(enforce_csrf)],
    )
    app.state.console = Console(
        runtime=runtime,
        settings=settings,
        users=UserStore(runtime.db, work=settings.password_work),
        sessions=SessionStore(runtime.db, idle=settings.idle, lifetime=settings.lifetime),
        signer=Signer(settings.signing_key(runtime.settings.pii_key)),
        queries=ConsoleQueries(runtime.db),
        figures=TtlCache(settings.dashboard_ttl_seconds),
        cases=cases if cases is not None else getattr(runtime, "cases", None),
    )
    install_console_errors(app)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (auth, dashboard, records, graph, casework, admin, authoring, monitoring):
        app.include_router(module.router)
    return app


def mount_console(app: FastAPI, runtime: Runtime, settings: ConsoleSettings | None = None) -> None:
    """Mount the console under ``/console`` of ``app`` unless ``RISKLINE_CONSOLE_ENABLED=0``."""
    settings = settings or runtime.settings.console
    if settings.enabled:
        app.mount("/console", create_console(runtime, settings))
