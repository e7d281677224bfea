"""A live runtime (real engine, real projections) on SQLite, plus reviewers and API keys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from riskline.api import create_app
from riskline.cases import Reviewer, ReviewerRole
from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.runtime import Runtime, build_runtime
from tests.conftest import SECRET


@pytest.fixture
def rt_settings(db_url: str) -> Settings:
    """SQLite and PostgreSQL (a fresh database per test; skipped when PostgreSQL is absent)."""
    return Settings(database_url=db_url, pii_secret=SECRET)


@pytest.fixture
def rt(rt_settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    runtime = build_runtime(rt_settings, clock=clock)
    yield runtime
    runtime.close()


@pytest.fixture
def analyst() -> Reviewer:
    return Reviewer("ann", ReviewerRole.ANALYST, "Ann")


@pytest.fixture
def supervisor() -> Reviewer:
    return Reviewer("sam", ReviewerRole.SUPERVISOR, "Sam")


@pytest.fixture
def client(rt: Runtime) -> TestClient:
    return TestClient(create_app(rt), raise_server_exceptions=False)


@pytest.fixture
def tokens(rt: Runtime) -> dict[str, str]:
    return {
        name: rt.keys.create(name, role)[1]
        for name, role in (
            ("ingest", "ingest"),
            ("analyst", "analyst"),
            ("admin", "admin"),
            ("admin2", "admin"),
        )
    }


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
