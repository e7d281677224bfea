"""A real Riskline server (uvicorn, temp SQLite, real engine) and Debian's Chromium.

Skips with the reason when ``/usr/bin/chromium`` or Playwright is missing (fails under
``CI=true``: CI installs both). Never downloads browsers: Playwright drives the system Chromium
through ``executable_path``.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from riskline.bench.common import free_port
from riskline.config import Settings
from riskline.runtime import Runtime, build_runtime
from riskline.ui import UserStore
from tests.conftest import SECRET
from tests.services import CHROMIUM, chromium_problem, unavailable
from tests.ui.seed import PASSWORD, USERS, seed

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    """The running server: its URL and the runtime behind it (for database checks)."""

    url: str
    runtime: Runtime


@pytest.fixture(scope="module")
def artifacts() -> Path:
    """Where screenshots go: ``$RISKLINE_ARTIFACTS`` or ``tests-artifacts/`` in the repo."""
    path = Path(os.environ.get("RISKLINE_ARTIFACTS") or REPO / "tests-artifacts") / "e2e"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """uvicorn on a free loopback port over a seeded temp database, in a thread."""
    problem = chromium_problem()
    if problem:
        unavailable(problem)
    import uvicorn

    from riskline.api import create_app

    db = tmp_path_factory.mktemp("e2e") / "riskline.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RISKLINE_CONSOLE_SECURE_COOKIE", "auto")  # loopback: no Secure flag
        runtime = build_runtime(Settings(database_url=f"sqlite:///{db}", pii_secret=SECRET))
        outcomes = seed(runtime, farm=True)
        assert "review" in outcomes, outcomes
        users = UserStore(runtime.db)
        for name, role in USERS.items():
            users.add(name, role, PASSWORD)
        app = create_app(runtime)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", runtime)
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        runtime.close()


@pytest.fixture(scope="module")
def browser_context(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium with a fresh profile directory."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)
