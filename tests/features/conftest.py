"""Fixtures: the state stores every online test runs against."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from riskline.features import MemoryStore, RedisStore, StateStore
from tests.services import REDIS_URL, redis_problem, unavailable


def _redis_store() -> RedisStore:
    """A RedisStore under a fresh prefix (skip when Redis is absent; fail under ``CI=true``)."""
    import redis

    problem = redis_problem()
    if problem:
        unavailable(problem)
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    return RedisStore(REDIS_URL, prefix=f"test:features:{uuid.uuid4().hex}:", client=client)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: pytest.FixtureRequest) -> Iterator[StateStore]:
    """A fresh, empty state store of each implementation (Redis under a unique prefix)."""
    if request.param == "memory":
        yield MemoryStore()
        return
    rs = _redis_store()
    try:
        yield rs
    finally:
        rs.clear()
