"""pandas is a dependency of the ``spark`` extra only: everything else imports without it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import riskline

OUTSIDE_SPARK = sorted(
    f"riskline.{m.name}"
    for m in pkgutil.iter_modules(riskline.__path__)
    if m.name not in ("__main__", "batch")
)


def test_every_package_but_batch_imports_without_pandas() -> None:
    code = "import sys\nsys.modules['pandas'] = None  # any import of pandas fails\n" + "".join(
        f"import {m}\n" for m in OUTSIDE_SPARK
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
