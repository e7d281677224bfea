"""Fixtures: the state stores every online test runs against."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from riskline.features import MemoryStore, StateStore
from riskline.state import RedisFeatureStore, SharedState
from tests.services import REDIS_URL, redis_problem, unavailable


def _redis_store() -> RedisFeatureStore:
    """The shared store on a fresh, ready namespace (skip when Redis is absent; fail under
    ``CI=true``)."""
    problem = redis_problem()
    if problem:
        unavailable(problem)
    shared = SharedState.connect(REDIS_URL, f"test-features-{uuid.uuid4().hex[:12]}")
    shared.mark_ready({"test": True})
    return RedisFeatureStore(shared)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: pytest.FixtureRequest) -> Iterator[StateStore]:
    """A fresh, empty state store of each implementation (Redis under a unique namespace)."""
    if request.param == "memory":
        yield MemoryStore()
        return
    rs = _redis_store()
    try:
        yield rs
    finally:
        rs.shared.flush()
        rs.shared.close()
