"""Wiring of one worker process: runtime with an interleaved feature source, NATS, outbox.

Kept here (not in ``runtime.py``) so stream mode needs no change to the composition
root: the engine is built by :func:`riskline.runtime.build_runtime` with the
:class:`Interleaver` as its feature source and no ledger replay (the worker replays the
stream instead).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from riskline.clock import SystemClock
from riskline.config import Settings
from riskline.errors import InvalidConfig
from riskline.runtime import Runtime, build_runtime, default_features
from riskline.stream.bridge import JetStream
from riskline.stream.interleave import Interleaver
from riskline.stream.names import StreamNames
from riskline.stream.outbox import Outbox, Relay
from riskline.stream.webhooks import WebhookSender
from riskline.stream.worker import Worker

__all__ = ["RelayLoop", "WorkerProcess", "start_webhook_relay", "start_worker", "worker_runtime"]

log = logging.getLogger(__name__)


def worker_runtime(settings: Settings, **kwargs: Any) -> Runtime:
    """The engine a worker decides with (``kwargs`` go to ``build_runtime``)."""
    features = Interleaver(kwargs.pop("features", None) or default_features(settings))
    runtime = build_runtime(settings, features=features, replay=False, **kwargs)
    if runtime.shared is not None:
        runtime.close()
        raise InvalidConfig(
            "stream workers keep feature and graph state in process (each replays the stream); "
            "unset RISKLINE_FEATURE_STORE / RISKLINE_GRAPH_STORE / RISKLINE_LIST_STORE=redis"
        )
    return runtime


class RelayLoop:
    """Runs :meth:`Relay.run_once` on its own thread: soon after :meth:`wake`, else every
    ``interval`` seconds (retries due by backoff)."""

    def __init__(self, relay: Relay, interval: float = 1.0) -> None:
        self.relay = relay
        self.interval = interval
        self.delivered = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="riskline-relay", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def wake(self) -> None:
        """New rows are waiting."""
        self._wake.set()

    def close(self) -> None:
        """Deliver what is due, then stop."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                while (n := self.relay.run_once()) > 0:
                    self.delivered += n
            except Exception as err:  # database or NATS away: rows stay pending
                log.warning("relay: %s: %s", type(err).__name__, err)
                time.sleep(0.5)
            if self._stop.is_set():
                return


def start_webhook_relay(runtime: Runtime, interval: float = 1.0) -> RelayLoop:
    """Deliver the outbox's webhook rows for an API process (``riskline serve``); no stream."""
    sender = WebhookSender(httpx.Client(timeout=5.0), time.time)
    relay = RelayLoop(Relay(runtime.db, runtime.engine.clock, None, lambda _: "", sender), interval)
    relay.start()
    return relay


@dataclass(slots=True)
class WorkerProcess:
    """A started worker and what it owns."""

    worker: Worker
    relay: RelayLoop
    js: JetStream
    runtime: Runtime

    def close(self) -> None:
        """Stop relaying, close NATS and the runtime."""
        self.relay.close()
        self.js.close()
        self.runtime.close()


def start_worker(
    settings: Settings,
    nats_url: str,
    names: StreamNames,
    slot: int = 0,
    slots: int = 1,
    batch: int = 256,
    runtime: Runtime | None = None,
    observe: str = "all",
) -> WorkerProcess:
    """Build, rebuild state from the stream and return a worker ready to :meth:`Worker.run`."""
    runtime = runtime or worker_runtime(settings)
    js = JetStream(nats_url, names)
    js.ensure_streams()
    clock = SystemClock()
    outbox = Outbox(runtime.db, clock)

    def subject(row: Mapping[str, Any]) -> str:
        outcome = orjson.loads(row["payload"])["data"].get("outcome")
        return names.decisions_subject(outcome if isinstance(outcome, str) else "other")

    sender = WebhookSender(httpx.Client(timeout=5.0), time.time)
    # The projections (review cases, notices) the API's writer runs after its commits: one
    # projector per deployment (slot 0), over every slot's decisions in the shared database.
    # They read the engine's graph, so they run on the worker's thread, between batches.
    hooks = list(runtime.ingestor.after_commit) if slot == 0 else []
    relay = RelayLoop(Relay(runtime.db, clock, js.publish_many, subject, sender))
    worker = Worker(runtime, js, outbox, slot, slots, batch, observe=observe, hooks=hooks)
    worker.after_batch = relay.wake
    worker.start()
    relay.start()
    return WorkerProcess(worker, relay, js, runtime)
