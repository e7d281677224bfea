"""The runtime resumes features from a snapshot: same decisions as a full replay, less replay."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path

from riskline.bench.common import sample_events
from riskline.config import Settings
from riskline.runtime import build_runtime
from tests.conftest import SECRET


def _plain(rows: Iterable[Mapping[str, float]]) -> list[dict[str, object]]:
    """Feature rows with NaN spelled out (NaN never equals itself)."""
    return [
        {k: "nan" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        for row in rows
    ]


def _settings(tmp: Path, name: str, snapshot: bool) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp / name}.db",
        pii_secret=SECRET,
        feature_snapshot=tmp / f"{name}.snap" if snapshot else None,
    )


def test_restart_from_snapshot_decides_like_a_full_replay(tmp_path: Path) -> None:
    _, events = sample_events(900, seed=3)
    first, second, third = events[:400], events[400:700], events[700:]
    runs = {}
    for name, snapshot in (("resumed", True), ("replayed", False)):
        settings = _settings(tmp_path, name, snapshot)
        rt = build_runtime(settings)
        rt.ingestor.process(first)
        rt.close()  # writes the snapshot (when configured) covering the first 400 events
        rt = build_runtime(settings)
        rt.ingestor.process(second)
        rt.close()
        rt = build_runtime(settings)
        runs[name] = _plain(d.features for d in rt.ingestor.process(third).decisions)
        rt.close()
    assert (tmp_path / "resumed.snap").exists()
    assert runs["resumed"] == runs["replayed"]
    assert any(f.get("account.devices_7d") for f in runs["resumed"])


def test_a_snapshot_of_another_ledger_is_discarded(tmp_path: Path) -> None:
    _, events = sample_events(300, seed=4)
    settings = _settings(tmp_path, "a", True)
    rt = build_runtime(settings)
    rt.ingestor.process(events[:200])
    rt.close()
    other = Settings(
        database_url=f"sqlite:///{tmp_path / 'b'}.db",
        pii_secret=SECRET,
        feature_snapshot=settings.feature_snapshot,
    )
    rt = build_runtime(other)  # an empty ledger cannot be the one the snapshot covered
    try:
        got = rt.ingestor.process(events[200:]).decisions
    finally:
        rt.close()
    fresh = build_runtime(_settings(tmp_path, "c", False))
    try:
        want = fresh.ingestor.process(events[200:]).decisions
    finally:
        fresh.close()
    assert _plain(d.features for d in got) == _plain(d.features for d in want)
