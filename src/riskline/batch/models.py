"""The models and band table a re-score uses: the registry's active ones, as the engine loads.

>>> from pathlib import Path
>>> active_models(Path("/nonexistent"))
(None, None)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from riskline.config import Settings
from riskline.credit.limits import BandTable

__all__ = ["active_models", "band_table"]


def active_models(model_dir: Path) -> tuple[Any, Any]:
    """(active scorecard, active fraud model), each None when not registered.

    Without a scorecard everyone gets the placeholder score, as in the engine.
    """
    from riskline.scoring import ModelNotFound, ModelRegistry

    if not model_dir.is_dir():
        return None, None
    registry = ModelRegistry(model_dir)
    out: list[Any] = []
    for name in ("scorecard", "fraud"):
        try:
            out.append(registry.load(*registry.serving(name))[0])
        except ModelNotFound:
            out.append(None)
    return out[0], out[1]


def band_table(settings: Settings) -> BandTable:
    """The configured limit band table (the default one unless RISKLINE_BANDS_PATH is set)."""
    if settings.bands_path:
        return BandTable.from_file(settings.bands_path)
    return BandTable.default()
