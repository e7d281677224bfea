"""The leakage audit on a real simulated world: artifacts stay small, behaviour shows."""

from __future__ import annotations

from pathlib import Path

from riskline.sim import WorldConfig, audit_world, simulate

# A small world has few rings per event type (3-15), so a held-out AUC wanders by about
# +-0.08 around the truth; the 0.60 cap is checked on full worlds (docs/benchmarks.md).
SMALL_WORLD_CAP = 0.70


def test_a_small_world_shows_no_artifact_but_shows_behaviour(tmp_path: Path) -> None:
    simulate(WorldConfig.small(seed=31, preset="default"), tmp_path)
    report = audit_world(tmp_path, max_honest=20_000)
    audited = {t.event_type: t for t in report.types}
    assert {"payment", "login", "transfer", "loan_application"} <= set(audited)
    for audit in report.types:
        for group in audit.groups:
            if group.artifact and group.auc is not None:
                assert group.auc <= SMALL_WORLD_CAP, (audit.event_type, group.group, group.auc)
    behaviour = {g.group: g.auc for g in audited["payment"].groups}["behaviour"]
    assert behaviour is not None and behaviour > SMALL_WORLD_CAP  # what fraud does shows
