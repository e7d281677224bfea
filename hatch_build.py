"""Build hook: compile ``riskline.features._native``, the C core of the online feature windows.

The extension is optional. Without a C compiler (or with ``RISKLINE_PURE_PYTHON=1`` set at
install) Riskline runs the same windows in Python, slower; ``riskline bench features`` reports
which cores it used. The module records the digest of the source it was built from, and
:mod:`riskline.features.windows` ignores a build whose source has changed since.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class NativeBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if os.environ.get("RISKLINE_PURE_PYTHON", "") not in ("", "0"):
            return
        src = Path(self.root, "src", "riskline", "features", "_native.c")
        out = src.with_name("_native" + str(sysconfig.get_config_var("EXT_SUFFIX")))
        digest = hashlib.sha256(src.read_bytes()).hexdigest()
        cc = shlex.split(os.environ.get("CC") or str(sysconfig.get_config_var("CC") or "cc"))
        link = (
            ["-bundle", "-undefined", "dynamic_lookup"] if sys.platform == "darwin" else ["-shared"]
        )
        cmd = [
            *cc,
            "-O2",
            "-fPIC",
            *link,
            f"-I{sysconfig.get_paths()['include']}",
            f'-DRISKLINE_NATIVE_SOURCE="{digest}"',
            str(src),
            "-o",
            str(out),
        ]
        try:
            subprocess.run(cmd, check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            self.app.display_warning(f"riskline: C core not built, using Python windows: {detail}")
            return
        if version != "editable":
            build_data["force_include"][str(out)] = f"riskline/features/{out.name}"
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
