"""One deployment's shared state in Redis: its key namespace, readiness marker and mode.

Every key of a deployment starts with ``<namespace>:`` so several deployments (and test runs)
share one Redis without touching each other; :meth:`SharedState.flush` deletes only those keys
(SCAN + UNLINK, never FLUSHDB).

The *ready* marker says "this namespace holds the state of the whole ledger". A rebuild
removes it first and writes it last; feature writes are refused while it is missing, so a
flushed or evicted Redis makes every process answer ``Unavailable`` instead of deciding on
empty state (fail closed) until ``riskline state rebuild`` (or a restart) rebuilds it.

>>> SharedState.key_of("riskline", "f", "s", "account|a1")
'riskline:f:s:account|a1'
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from riskline.errors import InvalidConfig, Unavailable

__all__ = ["Mode", "SharedState", "redis_client"]


class Mode(StrEnum):
    """What the Redis-backed adapters do with events (set only by :mod:`riskline.state.rebuild`).

    ``live``: update shared state (refused while the namespace is not ready);
    ``rebuild``: update it without the ready check (this process is rebuilding);
    ``skip``: change nothing (a starting process replays the ledger only for its own maps).
    """

    LIVE = "live"
    REBUILD = "rebuild"
    SKIP = "skip"


def redis_client(url: str) -> Any:
    """A Redis client for ``url`` (raw bytes replies); ``InvalidConfig`` if redis is missing."""
    try:
        import redis
    except ImportError:  # pragma: no cover - redis is a core dependency
        raise InvalidConfig("RISKLINE_*_STORE=redis needs the 'redis' package") from None
    return redis.Redis.from_url(url)


class SharedState:
    """A deployment's namespace in one Redis, with its ready marker and adapter mode."""

    def __init__(self, client: Any, namespace: str = "riskline", url: str = "") -> None:
        if not namespace or any(c in namespace for c in "*?[]: "):
            raise InvalidConfig(f"redis namespace {namespace!r}: use letters, digits, - and _")
        import redis

        self.client = client
        self.namespace = namespace
        self.url = url or "redis"
        self.mode = Mode.LIVE
        self.errors: tuple[type[BaseException], ...] = (redis.RedisError,)

    @classmethod
    def connect(cls, url: str, namespace: str = "riskline") -> SharedState:
        """Connect to ``url`` and check Redis answers (``Unavailable`` if not)."""
        state = cls(redis_client(url), namespace, url)
        try:
            state.call(state.client.ping)
        except Unavailable:
            state.close()
            raise
        return state

    def close(self) -> None:
        """Release the connections."""
        self.client.close()

    @staticmethod
    def key_of(namespace: str, *parts: str) -> str:
        """The full key of ``parts`` in ``namespace``."""
        return ":".join((namespace, *parts))

    def key(self, *parts: str) -> str:
        """The full key of ``parts`` in this namespace."""
        return ":".join((self.namespace, *parts))

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one Redis call; connection and server errors become ``Unavailable``."""
        try:
            return fn(*args, **kwargs)
        except self.errors as err:
            raise Unavailable(f"shared state at {self.url} failed: {err}") from None

    def ready(self) -> dict[str, Any] | None:
        """The ready marker (what the last rebuild recorded), or None when state is missing."""
        raw = self.call(self.client.get, self.key("ready"))
        return None if raw is None else dict(json.loads(raw))

    def mark_ready(self, info: dict[str, Any]) -> None:
        """Record that the namespace holds the state of the whole ledger."""
        self.call(self.client.set, self.key("ready"), json.dumps(info, sort_keys=True))

    def mark_stale(self) -> None:
        """Remove the ready marker: every process refuses writes until a rebuild."""
        self.call(self.client.delete, self.key("ready"))

    def scan(self, *parts: str) -> Iterator[bytes]:
        """Every key under ``parts`` (a glob suffix ``*`` is added)."""
        pattern = self.key(*parts, "*") if parts else self.namespace + ":*"
        try:
            yield from self.client.scan_iter(match=pattern, count=2000)
        except self.errors as err:
            raise Unavailable(f"shared state at {self.url} failed: {err}") from None

    def flush(self, *parts: str) -> int:
        """Delete every key of this namespace (or under ``parts``); returns keys deleted."""
        deleted, batch = 0, []
        for key in self.scan(*parts):
            batch.append(key)
            if len(batch) >= 1000:
                deleted += self.call(self.client.unlink, *batch)
                batch = []
        if batch:
            deleted += self.call(self.client.unlink, *batch)
        return deleted

    def lock(self, owner: str, seconds: int) -> bool:
        """Take the namespace's rebuild lock for ``seconds`` (False if someone holds it)."""
        return bool(self.call(self.client.set, self.key("lock"), owner, nx=True, ex=seconds))

    def unlock(self, owner: str) -> None:
        """Release the rebuild lock if ``owner`` still holds it."""
        key = self.key("lock")
        if self.call(self.client.get, key) == owner.encode():
            self.call(self.client.delete, key)

    def wait_unlocked(self, timeout: float, poll: float = 0.2) -> bool:
        """Wait until nobody holds the rebuild lock; False on timeout."""
        end = time.monotonic() + timeout
        while self.call(self.client.exists, self.key("lock")):
            if time.monotonic() >= end:
                return False
            time.sleep(poll)
        return True
