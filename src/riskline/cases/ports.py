"""What the case pieces need from outside the package, and the writer-thread rule.

Writes (assign, act, approve, reject, a user's appeal) change credit lines and lists, so they
run on the engine's single writer thread: given the :class:`~riskline.service.Ingestor` as
``writer``, :func:`on_writer` queues a function there (or runs it when already on it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection

from riskline.cases.types import Resolution

__all__ = ["AppealLedger", "Emit", "Flagger", "LinkedDecision", "Writer", "on_writer"]

T = TypeVar("T")
_WRITER_THREAD = "riskline-writer"

Emit = Callable[[Connection, str, str, Mapping[str, Any]], object]
"""Publishes an effect (``case.opened``) in the caller's transaction (``Outbox.emit``)."""

LinkedDecision = tuple[str, str, str, datetime]
"""(decision id, event id, subject, occurred at): a decision a label is given to."""


class Flagger(Protocol):
    """Marks entities confirmed bad in the link graph (the engine's graph source does this)."""

    def flag(self, kind: str, key: str, reason: str) -> None: ...


class Writer(Protocol):
    """Runs a function on the single writer thread (``Ingestor.call``)."""

    def call(self, fn: Callable[[], T]) -> Future[T]: ...


class AppealLedger(Protocol):
    """What closing a case needs from the users' appeals (``riskline.notices.AppealBook``)."""

    def appealed_decisions(self, conn: Connection, case_id: str) -> Sequence[LinkedDecision]:
        """Decisions the appeals joined to this case were made against (they are labelled)."""
        ...

    def decide(
        self, conn: Connection, case_id: str, resolution: Resolution, now: datetime
    ) -> list[str]:
        """Decide the case's open appeals by its resolution; their ids."""
        ...


def on_writer(writer: Writer | None, fn: Callable[[], T]) -> T:
    """``fn()`` on the writer thread (directly without a writer or when already on it)."""
    if writer is None or threading.current_thread().name == _WRITER_THREAD:
        return fn()
    return writer.call(fn).result()
