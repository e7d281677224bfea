"""Stream-mode fixtures: a NATS server (skip when absent), per-test stream names, world events."""

from __future__ import annotations

import functools
import itertools
import os
import uuid
from collections.abc import Iterator

import pytest

from riskline.events import Event, PiiHasher
from riskline.stream import JetStream, StreamNames, parse_all
from tests.conftest import SECRET

NATS_URL = os.environ.get("RISKLINE_TEST_NATS_URL", "nats://127.0.0.1:4222")


@functools.cache
def _nats_reachable() -> str | None:
    try:
        js = JetStream(NATS_URL, StreamNames("probe"), timeout=2)
    except Exception as err:
        return f"NATS JetStream not reachable at {NATS_URL}: {err}"
    js.close()
    return None


@pytest.fixture
def nats_url() -> str:
    reason = _nats_reachable()
    if reason:
        pytest.skip(reason)
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
