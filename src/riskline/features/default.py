"""The default catalog, loaded from ``default_catalog.yaml`` next to this module.

>>> cat = default_catalog()
>>> len(cat) >= 60, cat.schema()["account.face_verified"].value
(True, 'bool')
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from riskline.features.catalog import Catalog

__all__ = ["default_catalog"]


@cache
def default_catalog() -> Catalog:
    """Riskline's ~70 default features (devices, identities, spending, credit, merchants)."""
    text = resources.files("riskline.features").joinpath("default_catalog.yaml").read_text("utf-8")
    return Catalog.from_yaml(text)
