"""Every package imports on its own, in a fresh interpreter (no import cycles hidden by the
order in which a test session happened to import things)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import riskline

PACKAGES = sorted(
    f"riskline.{m.name}" for m in pkgutil.iter_modules(riskline.__path__) if m.name != "__main__"
)


@pytest.mark.parametrize("module", PACKAGES)
def test_module_imports_first(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
