"""Column specs of every wire event type, and vectorised rendering to JSON lines.

Generators build one polars frame per event type with a ``ts`` column (epoch
seconds), ``event_id`` and the type's fields in native form (money in cents).
:func:`render_lines` turns a frame into the exact JSON text of the wire schema.

>>> import polars as pl
>>> df = pl.DataFrame({"ts": [0], "event_id": ["e1"], "account_id": ["a1"],
...     "merchant_id": ["m1"], "amount": [1250], "funding": ["revolving"],
...     "device_id": [None], "ip": ["1.2.3.4"]}, schema=frame_schema("payment", labels=False))
>>> render_lines("payment", df)[0]
'{"type":"payment","event_id":"e1","occurred_at":"1970-01-01T00:00:00Z","account_id":"a1","merchant_id":"m1","amount":"12.50","funding":"revolving","ip":"1.2.3.4"}'
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import polars as pl

__all__ = ["LABEL_COLUMNS", "SPECS", "frame_schema", "render_lines", "wide_frame"]

# kinds: s str, os optional str, m money (cents), i int, b bool, d date text,
# t timestamp (epoch s), j raw JSON text, p probability in thousandths
SPECS: Mapping[str, tuple[tuple[str, str], ...]] = MappingProxyType(
    {
        "account_opened": (
            ("account_id", "s"),
            ("person_id", "s"),
            ("phone", "s"),
            ("id_number", "s"),
            ("device_id", "os"),
            ("ip", "os"),
        ),
        "login": (
            ("account_id", "s"),
            ("device_id", "s"),
            ("ip", "os"),
            ("geo", "os"),
            ("fingerprint", "j"),
        ),
        "identity_verified": (
            ("account_id", "s"),
            ("method", "s"),
            ("score", "p"),
            ("passed", "b"),
            ("device_id", "os"),
        ),
        "payment": (
            ("account_id", "s"),
            ("merchant_id", "s"),
            ("amount", "m"),
            ("funding", "s"),
            ("device_id", "os"),
            ("ip", "os"),
        ),
        "refund": (("account_id", "s"), ("merchant_id", "s"), ("amount", "m")),
        "transfer": (
            ("account_id", "s"),
            ("amount", "m"),
            ("to_account_id", "os"),
            ("to_card", "os"),
            ("device_id", "os"),
            ("ip", "os"),
        ),
        "merchant_registered": (
            ("merchant_id", "s"),
            ("owner_person_id", "s"),
            ("category", "s"),
            ("card", "os"),
            ("device_id", "os"),
            ("ip", "os"),
        ),
        "merchant_payout": (("merchant_id", "s"), ("card", "s"), ("amount", "m")),
        "loan_application": (
            ("account_id", "s"),
            ("product", "s"),
            ("amount", "m"),
            ("channel", "s"),
            ("platform", "os"),
            ("device_id", "os"),
            ("ip", "os"),
        ),
        "loan_drawdown": (
            ("account_id", "s"),
            ("product", "s"),
            ("amount", "m"),
            ("card", "os"),
            ("device_id", "os"),
            ("ip", "os"),
        ),
        "repayment": (
            ("account_id", "s"),
            ("product", "s"),
            ("amount", "m"),
            ("due_date", "d"),
            ("paid_at", "t"),
        ),
        "bill_overdue": (
            ("account_id", "s"),
            ("product", "s"),
            ("amount_due", "m"),
            ("due_date", "d"),
            ("days_overdue", "i"),
        ),
        "enterprise_registered": (
            ("enterprise_id", "s"),
            ("name", "s"),
            ("roles", "j"),
            ("spv", "b"),
        ),
        "enterprise_loan_application": (("enterprise_id", "s"), ("amount", "m"), ("purpose", "s")),
        "bureau_report": (
            ("person_id", "s"),
            ("inquiries_30d", "i"),
            ("inquiries_90d", "i"),
            ("overdue_accounts", "i"),
            ("overdue_amount", "m"),
            ("source", "s"),
        ),
    }
)
"""Fields of each event type in wire order, with their column kind."""

LABEL_COLUMNS: Mapping[str, pl.DataType] = MappingProxyType(
    {"_typology": pl.String(), "_ring": pl.String(), "_credit": pl.Int64()}
)
"""Hidden columns carrying labels of fraud events; never written to the event files."""

_DTYPES: Mapping[str, pl.DataType] = MappingProxyType(
    {
        "s": pl.String(),
        "os": pl.String(),
        "m": pl.Int64(),
        "i": pl.Int64(),
        "b": pl.Boolean(),
        "d": pl.String(),
        "t": pl.Int64(),
        "j": pl.String(),
        "p": pl.Int64(),
    }
)


def frame_schema(event_type: str, *, labels: bool = True) -> dict[str, pl.DataType]:
    """Polars schema of a generator frame for ``event_type`` (labels included)."""
    schema: dict[str, pl.DataType] = {"ts": pl.Int64(), "event_id": pl.String()}
    schema.update({name: _DTYPES[kind] for name, kind in SPECS[event_type]})
    if labels:
        schema.update(LABEL_COLUMNS)
    return schema


def _iso(col: pl.Expr) -> pl.Expr:
    return pl.from_epoch(col, time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(col: pl.Expr) -> pl.Expr:
    cents = (col % 100).cast(pl.String).str.zfill(2)
    return pl.concat_str([(col // 100).cast(pl.String), pl.lit("."), cents])


def _field(name: str, kind: str) -> pl.Expr:
    col = pl.col(name)
    key = f',"{name}":'
    if kind in ("s", "d"):
        return pl.concat_str([pl.lit(key + '"'), col, pl.lit('"')])
    if kind == "os":
        text = pl.concat_str([pl.lit(key + '"'), col, pl.lit('"')])
        return pl.when(col.is_null()).then(pl.lit("")).otherwise(text)
    if kind == "m":
        return pl.concat_str([pl.lit(key + '"'), _money(col), pl.lit('"')])
    if kind == "i":
        return pl.concat_str([pl.lit(key), col.cast(pl.String)])
    if kind == "b":
        return pl.when(col).then(pl.lit(key + "true")).otherwise(pl.lit(key + "false"))
    if kind == "t":
        return pl.concat_str([pl.lit(key + '"'), _iso(col), pl.lit('"')])
    if kind == "j":
        return pl.concat_str([pl.lit(key), col])
    frac = (col % 1000).cast(pl.String).str.zfill(3)
    prob = pl.when(col >= 1000).then(pl.lit("1.0")).otherwise(pl.concat_str([pl.lit("0."), frac]))
    return pl.concat_str([pl.lit(key), prob])


def line_expr(event_type: str) -> pl.Expr:
    """Polars expression rendering rows of ``event_type`` as JSON text."""
    head = pl.concat_str(
        [
            pl.lit(f'{{"type":"{event_type}","event_id":"'),
            pl.col("event_id"),
            pl.lit('","occurred_at":"'),
            _iso(pl.col("ts")),
            pl.lit('"'),
        ]
    )
    parts = [head, *(_field(n, k) for n, k in SPECS[event_type]), pl.lit("}")]
    return pl.concat_str(parts)


def render_lines(event_type: str, frame: pl.DataFrame) -> list[str]:
    """JSON lines for a frame of one event type."""
    return frame.select(line_expr(event_type).alias("line"))["line"].to_list()


_WIDE: dict[str, pl.DataType] = {
    "event_id": pl.String(),
    "type": pl.String(),
    "occurred_at": pl.Datetime("us", "UTC"),
}
for _fields in SPECS.values():
    for _name, _kind in _fields:
        _WIDE.setdefault(_name, pl.Float64() if _kind == "m" else _DTYPES[_kind])
_WIDE["paid_at"] = pl.Datetime("us", "UTC")
_WIDE["score"] = pl.Float64()


def wide_frame(event_type: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The columnar (Parquet) form: one fixed wide schema for all types, money in yuan."""
    exprs: list[pl.Expr] = []
    own = dict(SPECS[event_type])
    for name, dtype in _WIDE.items():
        kind = own.get(name)
        if name == "type":
            expr = pl.lit(event_type)
        elif name == "occurred_at":
            expr = pl.from_epoch(pl.col("ts"), time_unit="s")
        elif name == "event_id":
            expr = pl.col("event_id")
        elif kind is None:
            expr = pl.lit(None)
        elif kind == "m":
            expr = pl.col(name) / 100.0
        elif kind == "t":
            expr = pl.from_epoch(pl.col(name), time_unit="s")
        elif kind == "p":
            expr = pl.col(name) / 1000.0
        else:
            expr = pl.col(name)
        exprs.append(expr.cast(dtype).alias(name))
    return frame.select(exprs)
