"""Hot reload of a rule-set file: a bad file never replaces the good set in use.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "rules.yaml"
>>> _ = path.write_text("version: '1'\\nrules: []\\n")
>>> holder = RuleSetHolder(path, {})
>>> _ = path.write_text("version: '2'\\nrules: [oops]\\n")
>>> holder.reload()
False
>>> holder.current.version, holder.last_error is not None
('1', True)
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path

from riskline.rules.errors import RuleSetError
from riskline.rules.loader import load_ruleset
from riskline.rules.ruleset import RuleSet
from riskline.rules.types import FeatureSchema

__all__ = ["RuleSetHolder"]

log = logging.getLogger(__name__)


def _content(path: Path) -> str:
    """A digest of the file's bytes (empty when it cannot be read)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


class RuleSetHolder:
    """Holds the rule set loaded from ``path``; swaps it only for a valid newer file.

    The first load must succeed (``RuleSetError`` otherwise). Later failures are kept in
    ``last_error`` while ``current`` keeps serving the previous good set, and logged as a
    warning naming the file and the error, once per distinct rejected content.
    """

    def __init__(self, path: str | Path, schema: FeatureSchema) -> None:
        self.path = Path(path)
        self.schema = schema
        self._lock = threading.Lock()
        self._stamp = _stamp(self.path)
        self._current = load_ruleset(self.path, schema)
        self.last_error: RuleSetError | None = None
        self._rejected = ""

    @property
    def current(self) -> RuleSet:
        """The rule set in use."""
        return self._current

    def reload(self) -> bool:
        """Load the file now; True if it replaced ``current``, False if it was rejected."""
        with self._lock:
            stamp = _stamp(self.path)
            try:
                fresh = load_ruleset(self.path, self.schema)
            except RuleSetError as err:
                self.last_error = err
                self._stamp = stamp
                self._report(err)
                return False
            self._current, self._stamp, self.last_error = fresh, stamp, None
            self._rejected = ""
            return True

    def _report(self, err: RuleSetError) -> None:
        content = _content(self.path)
        if content != self._rejected:
            self._rejected = content
            log.warning(
                "rule set %s rejected, still serving version %s: %s",
                self.path,
                self._current.version,
                err,
            )

    def maybe_reload(self) -> bool:
        """Reload only if the file's mtime or size changed; True if ``current`` changed."""
        if _stamp(self.path) == self._stamp:
            return False
        return self.reload()
