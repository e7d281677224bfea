"""``riskline labels``: import fraud labels (chargebacks) from a file, and report how the
decisions treated fraud and genuine payments.

A label file (.csv, .jsonl or .parquet) has one row per event: ``event_id``, ``fraud``
(true/false, 1/0, yes/no) and ``reported_at`` (ISO date-time with a timezone); other column
names are given with ``--id``, ``--fraud``, ``--time``. Every line is checked before anything
is stored: one bad line refuses the file, naming its line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from riskline.cli.base import app, console, handle_errors, load_settings
from riskline.errors import InvalidInput, RisklineError

__all__ = ["import_labels", "labels_app", "read_labels", "summary"]

labels_app = typer.Typer(
    help="Fraud labels fed back to the engine (chargebacks, reports).", no_args_is_help=True
)
app.add_typer(labels_app, name="labels")

_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


def _fraud(value: Any, column: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise InvalidInput(f"{column} column value {value!r} is not true/false, 1/0 or yes/no")


def _moment(value: Any, column: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(f"{column} column value {value!r} is not an ISO date-time") from None
    if moment.tzinfo is None:
        raise InvalidInput(
            f"{column} column value {value!r} has no timezone (write 2026-01-31T10:00:00Z)"
        )
    return moment.astimezone(UTC)


def read_labels(
    path: Path,
    *,
    id_col: str = "event_id",
    fraud_col: str = "fraud",
    time_col: str | None = "reported_at",
    row_ids: bool = False,
) -> Iterator[tuple[str, bool, datetime | None]]:
    """(event id, fraud, reported at) per row; :class:`InvalidInput` naming every bad line
    (up to 20) when any line is bad, before anything is returned."""
    from riskline.ingest import read_rows

    out: list[tuple[str, bool, datetime | None]] = []
    bad: list[str] = []
    for i, (no, row) in enumerate(read_rows(path)):
        try:
            if isinstance(row, RisklineError):
                raise row
            if not isinstance(row, Mapping):
                raise InvalidInput("a line must hold one object")
            if row_ids:
                event_id = f"row-{i}"
            else:
                raw = row.get(id_col)
                if raw is None or str(raw).strip() == "":
                    raise InvalidInput(f"no {id_col} (name the id column with --id)")
                event_id = str(raw).strip()
            if row.get(fraud_col) is None:
                raise InvalidInput(f"no {fraud_col} (name the label column with --fraud)")
            fraud = _fraud(row[fraud_col], fraud_col)
            when = None
            if time_col is not None:
                if row.get(time_col) is None:
                    raise InvalidInput(f"no {time_col} (name the time column with --time)")
                when = _moment(row[time_col], time_col)
            out.append((event_id, fraud, when))
        except RisklineError as err:
            bad.append(f"line {no}: {err.message}")
    if bad:
        more = f" (and {len(bad) - 20} more)" if len(bad) > 20 else ""
        raise InvalidInput(
            f"{path.name}: {len(bad)} bad line(s), nothing imported{more}: " + "; ".join(bad[:20])
        )
    return iter(out)


_IdOpt = Annotated[str, typer.Option("--id", help="Event id column")]
_FraudOpt = Annotated[str, typer.Option("--fraud", help="Label column (true/false, 1/0)")]


@labels_app.command("import")
def import_labels(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help=".csv, .jsonl or .parquet")
    ],
    id_col: _IdOpt = "event_id",
    fraud_col: _FraudOpt = "fraud",
    time_col: Annotated[
        str, typer.Option("--time", help="When each label was reported (ISO, with timezone)")
    ] = "reported_at",
    backdate: Annotated[
        bool,
        typer.Option(
            help="Known to the engine from reported_at (replaying a past history), not from now"
        ),
    ] = False,
) -> None:
    """Store fraud labels (chargebacks) for the engine's entity risk; all lines or none.

    A running server reads them within a second, before its next payment's decision.
    """
    from riskline.storage import connect, upgrade
    from riskline.storage.labels import ReportedLabel, SqlLabelStore

    with handle_errors():
        rows = list(read_labels(file, id_col=id_col, fraud_col=fraud_col, time_col=time_col))
        db = connect(load_settings().database_url)
        try:
            upgrade(db)
            labels = [ReportedLabel(e, f, w) for e, f, w in rows if w is not None]
            done = SqlLabelStore(db).add(labels, "file", datetime.now(UTC), backdate=backdate)
        finally:
            db.dispose()
    frauds = sum(1 for _, f, _ in rows if f)
    console.print(
        f"labels {len(rows)} ({frauds} fraud): added {done.added}, replayed {done.replayed}, "
        f"of events not in the ledger {done.unknown_events}"
    )


@labels_app.command("summary")
def summary(
    file: Annotated[
        Path | None,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="Labels file; else the label store and case outcomes",
        ),
    ] = None,
    id_col: _IdOpt = "event_id",
    fraud_col: _FraudOpt = "fraud",
    row_ids: Annotated[
        bool,
        typer.Option(help="Ids are row-N, as `riskline ingest --payer ...` gives without --id"),
    ] = False,
    labelled_only: Annotated[
        bool, typer.Option(help="Leave out payments without a label (else they count genuine)")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object")] = False,
) -> None:
    """Share of fraud and of genuine payments the decisions did not approve.

    Payments without a label count as genuine unless --labelled-only (a chargeback file lists
    only frauds).
    """
    from riskline.storage import connect, upgrade
    from riskline.storage.labels import SqlLabelFeed, payment_outcomes

    with handle_errors():
        db = connect(load_settings().database_url)
        try:
            upgrade(db)
            if file is not None:
                found = read_labels(
                    file, id_col=id_col, fraud_col=fraud_col, time_col=None, row_ids=row_ids
                )
                labels = {e: f for e, f, _ in found}
            else:  # the label store and case outcomes, the latest known per event
                fed, _ = SqlLabelFeed(db).read(None)
                labels = {x.event_id: x.fraud for x in sorted(fed, key=lambda x: x.known_at)}
            outcomes = payment_outcomes(db)
        finally:
            db.dispose()
        report = summarise(outcomes, labels, labelled_only=labelled_only)
    if as_json:
        console.print_json(json.dumps(report))
        return
    for side in ("fraud", "genuine"):
        r = report[side]
        console.print(
            f"{side}: {r['payments']} payments, {r['not_approved']} not approved "
            f"({100 * r['share_not_approved']:.1f} %), outcomes {json.dumps(r['outcomes'])}"
        )
    console.print(f"labels of no decided payment: {report['labels_without_payment']}")


def summarise(
    outcomes: Mapping[str, str], labels: Mapping[str, bool], *, labelled_only: bool = False
) -> dict[str, Any]:
    """Per side (fraud, genuine): payments, outcomes, how many and what share not approved.

    >>> r = summarise({"a": "approve", "b": "decline", "c": "review"}, {"b": True})
    >>> r["fraud"]["share_not_approved"], r["genuine"]["not_approved"]
    (1.0, 1)
    """
    sides: dict[str, dict[str, Any]] = {
        s: {"payments": 0, "not_approved": 0, "outcomes": {}} for s in ("fraud", "genuine")
    }
    for event_id, outcome in outcomes.items():
        label = labels.get(event_id)
        if label is None and labelled_only:
            continue
        side = sides["fraud" if label else "genuine"]
        side["payments"] += 1
        side["outcomes"][outcome] = side["outcomes"].get(outcome, 0) + 1
        side["not_approved"] += outcome != "approve"
    for side in sides.values():
        side["share_not_approved"] = (
            side["not_approved"] / side["payments"] if side["payments"] else 0.0
        )
        side["outcomes"] = dict(sorted(side["outcomes"].items()))
    missing = sum(1 for e in labels if e not in outcomes)
    return {**sides, "labels_without_payment": missing}
