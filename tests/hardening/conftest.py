"""An API on a real runtime (SQLite, scripted features), with a key per role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from riskline.api import create_app
from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.runtime import Runtime, build_runtime
from tests.conftest import ScriptedFeatures

ROLES = ("ingest", "analyst", "supervisor", "admin")


@pytest.fixture
def runtime(settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    rt = build_runtime(settings, clock=clock, features=ScriptedFeatures())
    yield rt
    rt.close()


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def tokens(runtime: Runtime) -> dict[str, str]:
    return {role: runtime.keys.create(f"{role}-key", role)[1] for role in ROLES}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
