"""Work the API process does on a timer, next to the single writer it needs.

Today one job: step-up releases that failed (the writer was busy or down, the process died
between the pass and the release) are retried by :meth:`riskline.identity.StepUp.release_due`,
which also follows the ledger into new challenges. It runs every ``every`` seconds for as long
as the app is served (started and stopped by the app's lifespan).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool

from riskline.identity import StepUp

__all__ = ["RELEASE_RETRY_SECONDS", "retry_releases"]

log = logging.getLogger(__name__)

RELEASE_RETRY_SECONDS = 15.0
"""How often passed challenges without a release are retried (and new challenges created)."""


async def retry_releases(service: Callable[[], StepUp], every: float) -> None:
    """Call ``service().release_due()`` every ``every`` seconds until cancelled."""
    while True:
        await asyncio.sleep(every)
        try:
            released = await run_in_threadpool(lambda: service().release_due())
        except Exception:  # the next round tries again; serving goes on
            log.exception("step-up release retry failed")
            continue
        if released:
            log.info("step-up: %d held action(s) released on retry", released)
