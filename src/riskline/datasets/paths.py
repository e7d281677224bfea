"""Where the public data sets live, and reading them in place (zip members included)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import polars as pl

from riskline.errors import NotFound

__all__ = ["DatasetMissing", "data_dir", "read_csv_in_place"]


class DatasetMissing(NotFound):
    """A public data file is not in the data directory."""

    code = "dataset_missing"


def data_dir(explicit: Path | str | None = None) -> Path:
    """``explicit``, else ``$RISKLINE_DATA_DIR``, else ``<repo>/../shared/data``.

    >>> str(data_dir("/tmp/x"))
    '/tmp/x'
    """
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get("RISKLINE_DATA_DIR")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[3]
    return repo.parent / "shared" / "data"


def read_csv_in_place(
    directory: Path, filename: str, *, member: str | None = None, all_strings: bool = False
) -> pl.DataFrame:
    """Read ``filename`` (a CSV, or a zip holding ``member`` / its only CSV) without copying it.

    ``all_strings`` reads every column as text (for files with mixed notations like ``1.00E+05``).
    """
    path = Path(directory) / filename
    if not path.is_file():
        raise DatasetMissing(f"{filename} not found in {directory} (set RISKLINE_DATA_DIR)")
    kwargs = {"infer_schema_length": 0} if all_strings else {"infer_schema_length": 10_000}
    if path.suffix != ".zip":
        return pl.read_csv(path, **kwargs)  # type: ignore[arg-type]
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.endswith(".csv")]
        name = member or names[0]
        return pl.read_csv(io.BytesIO(archive.read(name)), **kwargs)  # type: ignore[arg-type]
