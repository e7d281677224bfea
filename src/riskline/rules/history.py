"""Read a labelled history (CSV or Parquet) for the backtest, with an optional column mapping.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "h.csv"
>>> _ = path.write_text("amt,is_fraud\\n10,0\\n900,1\\n")
>>> read_history(path, rename={"amt": "payment.amount", "is_fraud": "label"}).columns
['payment.amount', 'label']
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from riskline.errors import InvalidInput

__all__ = ["read_history"]


def read_history(path: str | Path, rename: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Load ``.csv`` / ``.parquet`` history; ``rename`` maps source columns to feature names."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pl.read_parquet(path)
        elif suffix in (".csv", ".txt"):
            frame = pl.read_csv(path, try_parse_dates=True)
        else:
            raise InvalidInput(f"{path}: history must be .csv or .parquet")
    except (OSError, pl.exceptions.PolarsError) as err:
        raise InvalidInput(f"{path}: cannot read history: {err}") from None
    if rename:
        absent = sorted(set(rename) - set(frame.columns))
        if absent:
            raise InvalidInput(f"{path}: columns to rename are missing: {', '.join(absent)}")
        frame = frame.rename(dict(rename))
    return frame
