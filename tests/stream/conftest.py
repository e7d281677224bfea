"""Stream-mode fixtures: a NATS server (absent: skip, or fail under CI), stream names, events."""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import Iterator

import pytest

from riskline.events import Event, PiiHasher
from riskline.stream import JetStream, StreamNames, parse_all
from tests.conftest import SECRET
from tests.services import NATS_URL, nats_problem, unavailable

_nats_problem = functools.cache(nats_problem)  # one probe per process


@pytest.fixture
def nats_url() -> str:
    """The test NATS server (skip when absent; fail under ``CI=true``)."""
    problem = _nats_problem()
    if problem:
        unavailable(problem)
    return NATS_URL


@pytest.fixture
def names(nats_url: str) -> Iterator[StreamNames]:
    """Unique streams for one test, deleted afterwards."""
    n = StreamNames(f"t{uuid.uuid4().hex[:10]}")
    yield n
    js = JetStream(nats_url, n)
    js.delete_streams()
    js.close()


@pytest.fixture
def js(nats_url: str, names: StreamNames) -> Iterator[JetStream]:
    client = JetStream(nats_url, names)
    client.ensure_streams()
    yield client
    client.close()


@functools.cache
def world_events(n: int) -> tuple[Event, ...]:
    """The first ``n`` events of the small simulated world (time order), PII hashed."""
    from riskline.sim import WorldConfig, iter_events

    rows = list(itertools.islice(iter_events(WorldConfig.small()), n))
    return tuple(parse_all(rows, PiiHasher(SECRET.encode())))
