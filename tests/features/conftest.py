"""Fixtures: the state stores every online test runs against."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from riskline.features import MemoryStore, RedisStore, StateStore

REDIS_URL = os.environ.get("RISKLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_or_skip() -> RedisStore:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
        client.ping()
    except Exception as err:  # any failure to reach Redis means: skip
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {err}")
    return RedisStore(REDIS_URL, prefix=f"test:features:{uuid.uuid4().hex}:", client=client)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: pytest.FixtureRequest) -> Iterator[StateStore]:
    """A fresh, empty state store of each implementation (Redis under a unique prefix)."""
    if request.param == "memory":
        yield MemoryStore()
        return
    rs = _redis_or_skip()
    try:
        yield rs
    finally:
        rs.clear()
