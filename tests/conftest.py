"""Shared fixtures: small fakes, SQLite and PostgreSQL databases, a runtime.

Under ``CI=true`` the run stops before the first test when a service or install CI provides is
missing (PostgreSQL, Redis, NATS JetStream, Chromium, Spark, openmined-psi, riskline[face]):
see ``tests/services.py``. Elsewhere tests that need an absent one skip with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.events import Event, PiiHasher
from riskline.features import default_catalog
from riskline.storage import connect, upgrade
from tests.factories import T0
from tests.services import PG_URL, ci_problems, in_ci, postgres_problem, unavailable

# Shared 2-core machines run these: no per-example deadline (timing is measured in benchmarks).
hypothesis_settings.register_profile("riskline", deadline=None)
hypothesis_settings.load_profile("riskline")

SECRET = "test-secret-0123456789"


_CATALOG_SCHEMA = {k: str(v) for k, v in default_catalog().schema().items()}


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under ``CI=true``: fail the run at once, naming each missing service and its address.

    Runs once, in the controller (xdist workers inherit its verdict); the per-test guard is
    :func:`tests.services.unavailable`.
    """
    if not in_ci() or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    problems = ci_problems()
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise pytest.UsageError(
            f"CI=true but what CI provides is missing, so its tests cannot run:\n{lines}"
        )


class ScriptedFeatures:
    """A FeatureSource fake: per-event preset values, plus a count of processed events."""

    def __init__(self, schema: Mapping[str, str] | None = None) -> None:
        self._schema = dict(schema or _CATALOG_SCHEMA)
        self.values: dict[str, dict[str, float]] = {}
        self.seen: list[str] = []

    def process(self, event: Event) -> Mapping[str, float]:
        self.seen.append(event.event_id)
        return self.values.get(event.event_id, {})

    def schema(self) -> Mapping[str, str]:
        return self._schema

    def reset(self) -> None:
        self.seen.clear()


@pytest.fixture
def hasher() -> PiiHasher:
    return PiiHasher(SECRET.encode())


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0 + timedelta(days=400))


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    return f"sqlite:///{tmp_path / 'riskline.db'}"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the test server (skip when absent; fail under ``CI=true``)."""
    problem = postgres_problem()
    if problem:
        unavailable(problem)
    admin = connect(PG_URL, isolation_level="AUTOCOMMIT")
    yield admin
    admin.dispose()


@pytest.fixture
def pg_url(pg_server: Engine) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    from sqlalchemy import text

    name = f"riskline_t_{uuid.uuid4().hex[:12]}"
    with pg_server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with pg_server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each repository test runs on SQLite and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def db(db_url: str) -> Iterator[Engine]:
    engine = connect(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return Settings(database_url=sqlite_url, pii_secret=SECRET)
