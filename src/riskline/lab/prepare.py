"""A user's table as a model reads it: the columns a registered model was trained on."""

from __future__ import annotations

import polars as pl

from riskline.errors import InvalidInput
from riskline.scoring.registry import ModelMeta

__all__ = ["features_for_scoring"]


def features_for_scoring(df: pl.DataFrame, meta: ModelMeta) -> pl.DataFrame:
    """The model's feature columns of ``df``, in the model's order; names what is missing.

    >>> from riskline.scoring.registry import ModelMeta
    >>> meta = ModelMeta("m", "v1", "scorecard", ("b", "a"), ("", ""), {}, "", "")
    >>> features_for_scoring(pl.DataFrame({"a": [1], "b": [2], "c": [3]}), meta).columns
    ['b', 'a']
    """
    missing = [c for c in meta.features if c not in df.columns]
    if missing:
        raise InvalidInput(
            f"the file lacks column(s) {missing} that {meta.name} {meta.version} was trained on"
        )
    return df.select(meta.features)
