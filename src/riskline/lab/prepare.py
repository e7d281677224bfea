"""A user's table as a model reads it: the target as 0/1, categoricals, dates, dropped columns.

:func:`prepare` turns a table into features and a 0/1 target the way a risk analyst would by
hand, noting every column it leaves out; :func:`features_for_scoring` prepares a new file exactly
as a registered model's training did (from what ``prepare`` stored in the model's meta).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from riskline.errors import InvalidInput
from riskline.lab.run import Dropped
from riskline.scoring.errors import MissingColumn, NonBinaryTarget, TooFewPositives
from riskline.scoring.registry import ModelMeta

__all__ = [
    "PrepareSpec",
    "Prepared",
    "Target",
    "drop_in_training",
    "features_for_scoring",
    "normalize",
    "parse_dates",
    "percent_number",
    "prepare",
    "resolve_target",
]

_BAD = {"1", "1.0", "true", "t", "bad", "yes", "y", "default", "defaulted", "charged off"}
_BAD |= {"charged_off", "fraud", "positive", "delinquent", "event"}
_BAD_WORDS = _BAD - {"1", "1.0", "true", "t", "yes", "y", "positive", "event"}
_GOOD = {"0", "0.0", "false", "f", "good", "no", "n", "non-default", "nondefault", "paid"}
_GOOD |= {"fully paid", "current", "negative", "normal", "non-event"}
_INDEX_NAME = re.compile(r"^(|Unnamed: \d+|__index_level_\d+__|index|level_0)$")
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%Y%m%d",
    "%d-%b-%Y",
    "%d %b %Y",
    "%b-%Y",
    "%b-%y",
    "%b %Y",
    "%B %Y",
    "%Y-%m",
)


@dataclass(frozen=True, slots=True)
class PrepareSpec:
    """How to read a table: the options of ``riskline train scorecard|credit``."""

    target: str
    bad: str | None = None
    categorical: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    time_col: str | None = None
    time_format: str | None = None
    special_codes: tuple[float, ...] = ()
    features: tuple[str, ...] = ()  # empty: every column but target and time


@dataclass(frozen=True, slots=True)
class Target:
    """The target column, the value taken as bad (1) and how it was chosen."""

    column: str
    bad_value: str
    values: tuple[str, ...]
    how: str  # "--bad" or "automatic"

    def describe(self) -> str:
        """One line for the output, e.g. ``target 'y': bad = 'bad' (automatic; of ...)``."""
        return (
            f"target {self.column!r}: bad = {self.bad_value!r} ({self.how}; values "
            f"{list(self.values)})"
        )


@dataclass(frozen=True, slots=True)
class Prepared:
    """Features (categoricals as text, the rest as floats), 0/1 target, time and notes."""

    x: pl.DataFrame
    y: NDArray[np.int_]
    target: Target
    categorical: tuple[str, ...]
    dropped: tuple[Dropped, ...]
    times: pl.Series | None = None
    time_format: str = ""

    @property
    def features(self) -> tuple[str, ...]:
        """Columns kept as features."""
        return tuple(self.x.columns)


def resolve_target(
    df: pl.DataFrame, column: str, bad: str | None
) -> tuple[NDArray[np.int_], Target]:
    """The target as 0/1 (1 = bad) and which value was bad.

    >>> y, t = resolve_target(pl.DataFrame({"c": ["good", "bad", "good"]}), "c", None)
    >>> y.tolist(), t.bad_value, t.how
    ([0, 1, 0], 'bad', 'automatic')
    """
    s = df[column]
    if s.null_count():
        raise NonBinaryTarget(
            f"target {column!r} has {s.null_count()} empty value(s); drop those rows first"
        )
    text = s.cast(pl.String) if s.dtype != pl.Boolean else s.cast(pl.String).str.to_lowercase()
    values = tuple(sorted(text.unique().to_list()))
    if len(values) != 2:
        raise NonBinaryTarget(
            f"target {column!r} must have two values; found {len(values)}: {list(values)[:10]}"
        )
    if bad is not None:
        bad = _same_value(bad, values)
        if bad not in values:
            raise InvalidInput(f"--bad {bad!r} is not a value of {column!r}; it has {list(values)}")
        chosen, how = bad, "--bad"
    else:
        chosen, how = _auto_bad(column, values), "automatic"
    y = (text == chosen).cast(pl.Int64).to_numpy().astype(np.int_)
    return y, Target(column, chosen, values, how)


def _same_value(given: str, values: tuple[str, ...]) -> str:
    """``given`` as spelled in ``values`` when it is the same number (``1`` for ``1.0``)."""
    try:
        number = float(given)
    except ValueError:
        return given
    for v in values:
        try:
            if float(v) == number:
                return v
        except ValueError:
            continue
    return given


def _auto_bad(column: str, values: tuple[str, ...]) -> str:
    low = [v.strip().lower() for v in values]
    bad = [v for v, lo in zip(values, low, strict=True) if lo in _BAD]
    good = [v for v, lo in zip(values, low, strict=True) if lo in _GOOD]
    if len(bad) == 1 and len(good) == 1 and bad != good:  # 1/0, true/false, bad/good, yes/no
        return bad[0]
    words = [v for v, lo in zip(values, low, strict=True) if lo in _BAD_WORDS]
    if len(words) == 1:  # default / anything else
        return words[0]
    raise NonBinaryTarget(
        f"target {column!r} has values {list(values)}: say which one is bad with --bad "
        f"{values[1]!r} (or --bad {values[0]!r})"
    )


def parse_dates(s: pl.Series, fmt: str | None = None) -> tuple[pl.Series, str] | None:
    """``s`` parsed as dates with ``fmt`` (or the first known format reading every value).

    >>> d, f = parse_dates(pl.Series(["Sep-2016", "May-2015"]))
    >>> f, d.to_list()
    ('%b-%Y', [datetime.date(2016, 9, 1), datetime.date(2015, 5, 1)])
    """
    text = s.cast(pl.String).str.strip_chars()
    sample = text.drop_nulls().head(20)
    if sample.len() == 0:
        return None
    for f in (fmt,) if fmt else _DATE_FORMATS:
        if _parse(sample, f).null_count() == 0:
            parsed = _parse(text, f)
            if parsed.null_count() == text.null_count():
                return parsed.alias(s.name), f
    return None


def _parse(text: pl.Series, fmt: str) -> pl.Series:
    dtype = pl.Datetime if "%H" in fmt else pl.Date
    if "%d" not in fmt:  # month-year: give chrono a day
        text, fmt = "01-" + text, "%d-" + fmt
    return text.str.strptime(dtype, fmt, strict=False)


def _time(df: pl.DataFrame, spec: PrepareSpec) -> tuple[pl.Series | None, str]:
    if spec.time_col is None:
        return None, ""
    s = df[spec.time_col]
    if s.null_count():
        raise InvalidInput(
            f"time column {spec.time_col!r} has {s.null_count()} empty value(s); fill or drop them"
        )
    if s.dtype.is_temporal() or s.dtype.is_numeric():
        return s, ""
    parsed = parse_dates(s, spec.time_format)
    if parsed is None:
        example = s.drop_nulls().head(1).to_list()
        fix = (
            f"values like {example} do not match --time-format {spec.time_format!r}"
            if spec.time_format
            else f"is text no known date format reads (e.g. {example}); give --time-format "
            "(e.g. %b-%Y for Sep-2016)"
        )
        raise InvalidInput(f"time column {spec.time_col!r} {fix}; it is never sorted as text")
    return parsed[0], parsed[1]


def _why_dropped(s: pl.Series, spec: PrepareSpec, n: int) -> str | None:
    if s.name in spec.exclude:
        return "excluded (--exclude)"
    if _INDEX_NAME.match(s.name) and s.dtype.is_integer():
        return "index column (unnamed or 'index')"
    if s.null_count() == n:
        return "empty"
    if s.n_unique() == 1:
        return f"constant ({s.drop_nulls()[0]!r})" if s.null_count() == 0 else "constant"
    categorical = s.name in spec.categorical
    if s.dtype == pl.String and not categorical and parse_dates(s) is not None:
        return "a date (give it with --time to split by time)"
    if (s.dtype.is_integer() or s.dtype == pl.String) and n >= 20 and s.n_unique() == n:
        return "id-like: unique on every row"
    if s.dtype == pl.String and not categorical and percent_number(s) is None:
        distinct = s.n_unique()
        if n >= 20 and distinct > n // 2:
            return f"free text or an id: {distinct} distinct values in {n} rows"
    return None


def percent_number(s: pl.Series) -> pl.Series | None:
    """A text column of numbers, some written with ``%`` (``13.5%``), as floats; else None.

    >>> percent_number(pl.Series(["13.5%", " 7% ", None])).to_list()
    [13.5, 7.0, None]
    >>> percent_number(pl.Series(["A11", "7%"])) is None
    True
    """
    if s.dtype != pl.String:
        return None
    text = s.str.strip_chars().str.strip_suffix("%").str.strip_chars()
    numbers = text.cast(pl.Float64, strict=False)
    if numbers.null_count() != s.null_count() or s.null_count() == s.len():
        return None
    return numbers


def _check_columns(df: pl.DataFrame, spec: PrepareSpec) -> None:
    named = [spec.target, *spec.categorical, *spec.exclude, *spec.features]
    if spec.time_col:
        named.append(spec.time_col)
    missing = sorted({c for c in named if c not in df.columns})
    if missing:
        raise MissingColumn(f"column(s) {missing} are not in the file; it has {df.columns[:30]}")


def prepare(df: pl.DataFrame, spec: PrepareSpec, *, min_bads: int = 10) -> Prepared:
    """Features, 0/1 target and time of ``df`` by ``spec``; what is left out is noted."""
    _check_columns(df, spec)
    y, target = resolve_target(df, spec.target, spec.bad)
    bads = int(y.sum())
    if min(bads, y.size - bads) < min_bads:
        raise TooFewPositives(
            f"target {spec.target!r} has {bads} bad and {y.size - bads} good rows; "
            f"need at least {min_bads} of each"
        )
    times, time_format = _time(df, spec)
    candidates = spec.features or tuple(
        c for c in df.columns if c not in (spec.target, spec.time_col)
    )
    kept: list[str] = []
    dropped: list[Dropped] = []
    for col in candidates:
        why = _why_dropped(df[col], spec, df.height)
        if why is None:
            kept.append(col)
        else:
            dropped.append(Dropped(col, why))
    if not kept:
        raise InvalidInput(f"no feature column is left: {[(d.column, d.reason) for d in dropped]}")
    categorical = tuple(
        c
        for c in kept
        if c in spec.categorical
        or df.schema[c] == pl.Categorical
        or (df.schema[c] == pl.String and percent_number(df[c]) is None)
    )
    x = normalize(df.select(kept), categorical)
    return Prepared(x, y, target, categorical, tuple(dropped), times, time_format)


def normalize(df: pl.DataFrame, categorical: Sequence[str]) -> pl.DataFrame:
    """Categorical columns as text, every other column as floats (``13.5%`` read as 13.5; a
    clear error for text that is no number).

    >>> normalize(pl.DataFrame({"a": [1, 2], "b": [True, False], "c": ["5%", "7%"]}), ["a"]).dtypes
    [String, Float64, Float64]
    """
    cols: list[pl.Expr | pl.Series] = []
    for c in df.columns:
        dtype = df.schema[c]
        number = percent_number(df[c]) if c not in categorical else None
        if c in categorical:
            cols.append(pl.col(c).cast(pl.String))
        elif dtype.is_numeric() or dtype == pl.Boolean:
            cols.append(pl.col(c).cast(pl.Float64))
        elif number is not None:
            cols.append(number.alias(c))
        else:
            raise InvalidInput(
                f"column {c!r} is {dtype}, not numeric; list it with --categorical or --exclude it"
            )
    return df.select(cols)


def drop_in_training(x_train: pl.DataFrame) -> tuple[list[str], list[Dropped]]:
    """Columns usable in the training slice, and those empty or constant there."""
    kept, dropped = [], []
    for c in x_train.columns:
        s = x_train[c]
        if s.null_count() == s.len():
            dropped.append(Dropped(c, "empty in the training slice"))
        elif s.n_unique() == 1:
            dropped.append(Dropped(c, "constant in the training slice"))
        else:
            kept.append(c)
    return kept, dropped


def spec_extra(spec: PrepareSpec, prepared: Prepared) -> dict[str, Any]:
    """What the registry's meta keeps so :func:`features_for_scoring` prepares files alike."""
    return {
        "target": spec.target,
        "bad_value": prepared.target.bad_value,
        "categorical": list(prepared.categorical),
        "special_codes": list(spec.special_codes),
        "time_column": spec.time_col,
        "time_format": prepared.time_format,
        "excluded": list(spec.exclude),
        "dropped": [[d.column, d.reason] for d in prepared.dropped],
    }


def features_for_scoring(df: pl.DataFrame, meta: ModelMeta) -> pl.DataFrame:
    """The model's feature columns of ``df``, in the model's order, prepared as in training
    (categoricals as text, the rest as floats); names what is missing.

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
    extra: Mapping[str, Any] = meta.extra or {}
    categorical = [c for c in extra.get("categorical", ()) if c in meta.features]
    return normalize(df.select(meta.features), categorical)
