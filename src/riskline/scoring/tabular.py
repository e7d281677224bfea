"""Read a user's table as downloaded: CSV/TSV/;/| with the delimiter and encoding sniffed,
Parquet, Excel, or a zip holding one of those."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import polars as pl

from riskline.errors import InvalidInput

__all__ = ["DELIMITERS", "NULL_VALUES", "read_table", "sniff_delimiter", "sniff_encoding"]

DELIMITERS = {",": "comma ','", "\t": "tab", ";": "semicolon ';'", "|": "pipe '|'"}
"""Delimiters tried in order, with the name an error message gives them."""

NULL_VALUES = ["", "NA", "N/A", "NaN", "nan", "NULL", "null", "None"]
"""Cells read as missing (R's and pandas' exports write these)."""

_ENCODINGS = ["utf_8", "gb18030", "latin_1"]
_SEP_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def sniff_encoding(raw: bytes) -> str:
    """The encoding of ``raw``: UTF-8 (with or without BOM), GBK/GB18030 or Latin-1.

    >>> sniff_encoding("名字,年龄".encode("gbk")), sniff_encoding(b"\\xef\\xbb\\xbfa,b")
    ('gb18030', 'utf-8-sig')
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000], cp_isolation=_ENCODINGS).best()
    return "latin-1" if best is None or best.encoding == "latin_1" else best.encoding


def sniff_delimiter(text: str) -> str:
    """The delimiter giving the same number (> 1) of fields on the most of the first lines.

    >>> sniff_delimiter("a;b;c\\n1;2,5;3\\n"), sniff_delimiter("a\\tb\\n1\\t2\\n")
    (';', '\\t')
    """
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_key = ",", (0, 0)
    for sep in DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=sep)]
        if not widths or widths[0] < 2:
            continue
        agree = sum(w == widths[0] for w in widths)
        key = (agree, widths[0])
        if key > best_key:
            best, best_key = sep, key
    return best


def _separator(sep: str | None) -> str | None:
    if sep is None:
        return None
    sep = _SEP_NAMES.get(sep.lower(), sep)
    if len(sep) != 1:
        raise InvalidInput(f"--sep takes one character (or 'tab'), got {sep!r}")
    return sep


def _zip_member(path: Path) -> tuple[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/") and not n.startswith("__MACOSX")]
        if len(names) != 1:
            raise InvalidInput(
                f"{path.name} holds {len(names)} files ({names[:5]}); unzip it and give one"
            )
        return names[0], zf.read(names[0])


def read_table(
    path: Path, *, sep: str | None = None, encoding: str | None = None, sheet: str | None = None
) -> pl.DataFrame:
    """A table from CSV/TSV (delimiter and encoding sniffed unless given), Parquet, Excel
    (``sheet`` by name, else the first) or a zip of one such file."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}")
    name, raw = path.name, b""
    if path.suffix.lower() == ".zip":
        name, raw = _zip_member(path)
    suffix = Path(name).suffix.lower()
    if suffix in (".parquet", ".pq"):
        return pl.read_parquet(io.BytesIO(raw) if raw else path)
    if suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        return _read_excel(io.BytesIO(raw) if raw else path, name, sheet)
    return _read_text(raw or path.read_bytes(), name, _separator(sep), encoding)


def _read_excel(source: Path | io.BytesIO, name: str, sheet: str | None) -> pl.DataFrame:
    try:
        if sheet is None:
            return pl.read_excel(source, sheet_id=1)
        return pl.read_excel(source, sheet_name=sheet)
    except Exception as err:  # fastexcel raises its own error types
        raise InvalidInput(f"cannot read {name} as Excel: {str(err).splitlines()[0]}") from None


def _read_text(raw: bytes, name: str, sep: str | None, encoding: str | None) -> pl.DataFrame:
    enc = encoding or sniff_encoding(raw)
    try:
        text = raw.decode(enc)
    except (UnicodeDecodeError, LookupError) as err:
        raise InvalidInput(f"cannot decode {name} as {enc}: {err}; give --encoding") from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InvalidInput(f"{name} is empty")
    delim = sep or sniff_delimiter(text)
    said = DELIMITERS.get(delim, repr(delim))
    hint = "give the separator with --sep (e.g. --sep ';' or --sep tab)"
    try:
        df = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            separator=delim,
            infer_schema_length=None,
            null_values=NULL_VALUES,
        )
    except (pl.exceptions.PolarsError, OSError) as err:
        first = str(err).splitlines()[0]
        raise InvalidInput(f"cannot read {name} with delimiter {said}: {first}; {hint}") from None
    header = text.split("\n", 1)[0]
    if df.width < 2 and any(d in header for d in DELIMITERS if d != delim):
        raise InvalidInput(f"{name} reads as one column with delimiter {said}; {hint}")
    return df
