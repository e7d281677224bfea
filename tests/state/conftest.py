"""Fixtures: a unique Redis namespace per test (Redis absent: skip, or fail under CI), events."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from riskline.events import Event, PiiHasher, parse_event
from riskline.state import SharedState
from tests.services import REDIS_URL, redis_problem, unavailable

__all__ = ["REDIS_URL", "other_process", "redis_client"]


def redis_client() -> Any:
    """A client for the test Redis (skip when Redis is absent; fail under ``CI=true``)."""
    import redis

    problem = redis_problem()
    if problem:
        unavailable(problem)
    return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)


@pytest.fixture
def shared() -> Iterator[SharedState]:
    """A fresh namespace (``rltest-<random>``), deleted afterwards; never the whole Redis."""
    client = redis_client()
    state = SharedState(client, f"rltest-{uuid.uuid4().hex[:12]}", REDIS_URL)
    try:
        yield state
    finally:
        state.flush()
        client.close()
        while _OTHERS:
            _OTHERS.pop().close()


@pytest.fixture
def ready(shared: SharedState) -> SharedState:
    """A namespace marked ready (as after a rebuild of an empty ledger)."""
    shared.mark_ready({"events": 0})
    return shared


_OTHERS: list[SharedState] = []


def other_process(shared: SharedState) -> SharedState:
    """A second handle on the same namespace with its own connection (another process);
    closed when the test's namespace is deleted."""
    import redis

    other = SharedState(redis.Redis.from_url(REDIS_URL), shared.namespace, REDIS_URL)
    _OTHERS.append(other)
    return other


@pytest.fixture(scope="module")
def world() -> list[Event]:
    """The first 1,500 events of a small simulated world."""
    from riskline import sim

    hasher = PiiHasher(b"test-secret")
    wire = sim.iter_events(sim.WorldConfig.small(persons=300, days=20, seed=5))
    return [parse_event(d, hasher) for d in itertools.islice(wire, 1500)]
