"""``riskline train fraud``: a fraud model from a world or your own payment history."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from riskline.cli.base import console, handle_errors, load_settings
from riskline.cli.train import _from_history, _mapping, _print_metrics, train_app
from riskline.errors import InvalidInput
from riskline.events.history import parse_time_origin

if TYPE_CHECKING:
    from riskline.known_labels import KnownStarts
    from riskline.lab.fraud import FraudEvaluation, FraudSpec

__all__ = ["train_fraud"]


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(c.strip() for c in text.split(",") if c.strip()) if text else ()


@train_app.command("fraud")
def train_fraud(
    data: Annotated[
        Path | None, typer.Argument(help="CSV/Parquet history (or use --world)")
    ] = None,
    world: Annotated[
        Path | None, typer.Option(help="A world folder from `riskline simulate`")
    ] = None,
    target: Annotated[str | None, typer.Option(help="0/1 fraud label column of DATA")] = None,
    time_col: Annotated[str | None, typer.Option("--time", help="Time column of DATA")] = None,
    features: Annotated[
        str | None, typer.Option(help="Extra comma-separated columns of DATA used as features")
    ] = None,
    mapping: Annotated[
        list[str] | None, typer.Option("--map", help="THEIR_COLUMN=OUR_NAME")
    ] = None,
    payer: Annotated[
        str | None, typer.Option(help="Payer column (card, account): a payment history")
    ] = None,
    payee: Annotated[str | None, typer.Option(help="Payee column (merchant, terminal)")] = None,
    amount: Annotated[str | None, typer.Option(help="Amount column (zero is allowed)")] = None,
    event_id: Annotated[str | None, typer.Option("--id", help="Event id column")] = None,
    device: Annotated[str | None, typer.Option(help="Device column")] = None,
    channel: Annotated[
        str | None, typer.Option(help="Channel column (the payment event's channel)")
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(help="Merchant category column (the event's merchant_category)"),
    ] = None,
    location: Annotated[
        str | None, typer.Option(help="Location column (the payment event's location)")
    ] = None,
    time_unit: Annotated[
        str, typer.Option(help="Unit of a numeric time column: s, min, h or d")
    ] = "s",
    time_origin: Annotated[
        str | None,
        typer.Option(help="Date a numeric time of 0 means (step counters), e.g. 2024-01-01"),
    ] = None,
    label_delay: Annotated[
        float, typer.Option(help="Days before a payment's label is known (gap before the test)")
    ] = 7.0,
    label_time: Annotated[
        str | None, typer.Option(help="Column: when each label became known")
    ] = None,
    unlabeled: Annotated[
        str | None, typer.Option(help="Target value meaning 'no label' (kept as history)")
    ] = None,
    categorical: Annotated[
        str | None, typer.Option(help="Comma-separated categorical columns (extra features)")
    ] = None,
    exclude: Annotated[
        str | None, typer.Option(help="Comma-separated features to leave out")
    ] = None,
    entity_risk: Annotated[
        bool, typer.Option(help="Delayed-label entity risk features (risk.*)")
    ] = True,
    only: Annotated[
        str | None,
        typer.Option(help="COL=V1,V2: train and test only on these rows (others: history)"),
    ] = None,
    keep_known_compromised: Annotated[
        bool,
        typer.Option(help="Keep payers already known compromised in the test (not realistic)"),
    ] = False,
    k: Annotated[int, typer.Option("--k", help="k of card precision@k per day")] = 100,
    test_share: Annotated[float, typer.Option(help="Share of labeled rows in the test")] = 0.4,
    name: Annotated[str, typer.Option(help="Registry name of the model")] = "fraud-history",
    labels: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="With --world: train on these platform-known labels (case verdicts, M1/M3; "
            "`riskline labels analysts`) instead of the world's ground truth",
        ),
    ] = None,
    lookback_days: Annotated[
        float,
        typer.Option(
            help="With --labels: a confirmed person's events count as fraud "
            "from this many days before the case opened"
        ),
    ] = 30.0,
    overdue: Annotated[
        str,
        typer.Option(
            help="With --labels: m1 | m3 | none, the matured repayment outcome "
            "whose account's events (from 30 days before the due date) count as fraud"
        ),
    ] = "m1",
) -> None:
    """LightGBM fraud model (calibrated, reason codes) and an anomaly model; --world activates.

    With --payer/--payee/--amount a payment history becomes payment events: the features are
    the engine's own catalog (point in time), the event's amount and hour, delayed-label
    entity risk of payee, payer and device, and the extra columns you name. The evaluation
    trains on the oldest rows, skips a gap of --label-delay days, tests on the newest (without
    payers already known compromised), and prints AUC and average precision of raw scores,
    recall at 1 % FPR, card precision@k per day, and calibration apart.
    """
    from riskline.scoring import ModelRegistry
    from riskline.training import load_world_frame, train_on_world

    with handle_errors():
        if labels is not None and world is None:
            raise InvalidInput("--labels FILE goes with --world DIR (the world's events)")
        if world is not None:
            registry = ModelRegistry(load_settings().model_dir)
            known = None if labels is None else _known(labels, lookback_days, overdue)
            frame = (
                load_world_frame(world)
                if known is None
                else load_world_frame(world, known.pair(), known.leave_out)
            )
            trained = train_on_world(frame, registry)
            _print_metrics(
                f"fraud {trained.fraud_version} (active), anomaly {trained.anomaly_version}",
                trained.metrics,
            )
            return
        if data is None or target is None or time_col is None:
            raise InvalidInput("give --world DIR, or DATA with --target and --time")
        if payer or payee or amount:
            if not (payer and payee and amount):
                raise InvalidInput("--payer, --payee and --amount go together")
            from riskline.events.history import HistoryColumns
            from riskline.lab.fraud import FraudSpec

            cats = _names(categorical)
            spec = FraudSpec(
                columns=HistoryColumns(
                    payer=payer,
                    payee=payee,
                    amount=amount,
                    time=time_col,
                    event_id=event_id,
                    device=device,
                    channel=channel,
                    category=category,
                    location=location,
                    time_unit=time_unit,
                    time_origin=parse_time_origin(time_origin),
                ),
                target=target,
                label_delay_days=label_delay,
                label_time=label_time,
                unlabeled=unlabeled,
                features=tuple(dict.fromkeys([*_names(features), *cats])),
                categorical=cats,
                exclude=_names(exclude),
                entity_risk=entity_risk,
                test_share=test_share,
                only=_only(only),
            )
            _payments(data, spec, mapping or [], k, name, not keep_known_compromised)
            return
        _from_history(data, target, time_col, features, mapping or [], "gbdt")


def _known(path: Path, lookback_days: float, overdue: str) -> KnownStarts:
    """The starts of the known labels in ``path``, after a line saying what they hold."""
    from riskline.known_labels import KnownLabelRules, known_starts, read_known

    rules = KnownLabelRules(lookback_days=lookback_days, overdue=overdue)
    known = known_starts(read_known(path), rules)
    console.print(
        f"labels from {path.name}: {known.confirmed} confirmed and {known.cleared} cleared "
        f"cases, {known.overdue_accounts} accounts with a bill gone {overdue} counted as fraud"
    )
    return known


def _only(text: str | None) -> tuple[str, tuple[str, ...]] | None:
    if text is None:
        return None
    column, sep, values = text.partition("=")
    if not sep or not column.strip() or not _names(values):
        raise InvalidInput(f"--only takes COLUMN=VALUE[,VALUE...], got {text!r}")
    return column.strip(), _names(values)


def _payments(
    data: Path, spec: FraudSpec, mapping: list[str], k: int, name: str, drop: bool
) -> None:
    from dataclasses import asdict

    from riskline.lab.fraud import evaluate, history_frame
    from riskline.scoring import ModelRegistry, read_history

    if k < 1:
        raise InvalidInput(f"--k must be at least 1, got {k}")
    hist = history_frame(read_history(data, _mapping(mapping)), spec)
    result = evaluate(hist, spec, k=k, drop_compromised=drop)
    columns = {
        key: v if isinstance(v, str) else getattr(v, "value", None) or v.isoformat()
        for key, v in asdict(spec.columns).items()
        if v is not None
    }
    meta = ModelRegistry(load_settings().model_dir).register(
        name,
        result.model,
        kind="gbdt",
        features=result.features,
        data_window=(
            result.split["train"].split(" .. ")[0],
            result.split["train"].split(" .. ")[1],
        ),
        metrics={
            **result.metrics,
            **result.calibration,
            **{f"baseline_{key}": v for key, v in result.baseline.items()},
        },
        extra={
            "source": "payment history",
            "columns": columns,
            "target": spec.target,
            "label_delay_days": spec.label_delay_days,
            "label_time": spec.label_time,
            "unlabeled": spec.unlabeled,
            "only": list(spec.only) if spec.only else None,
            "known_compromised_payers_dropped_from_test": drop,
            "entity_risk": spec.entity_risk,
            "extra_features": list(spec.features),
            # the engine's payment events do not carry the user's extra columns
            "not_served_online": [f for f in result.features if f in spec.features],
            "categorical": list(spec.categorical),
            "excluded": list(spec.exclude),
            "split": dict(result.split),
            "counts": dict(result.counts),
        },
    )
    _report(f"{name} {meta.version} (not activated)", result)
    if hist.unlabeled:
        console.print(
            f"note: {hist.unlabeled} unlabeled rows were history only (not trained or tested)"
        )
    if spec.features:
        console.print(
            f"note: {', '.join(spec.features)} are your own columns: the engine's payment events "
            "do not carry them, so served online the model sees them as missing"
        )


def _report(title: str, result: FraudEvaluation) -> None:
    for part, text in result.split.items():
        console.print(f"{part}: {text}")
    _print_metrics(f"{title}: test period, raw scores", {**result.counts, **result.metrics})
    _print_metrics("plain baseline, same split: amount and your columns only", result.baseline)
    table = Table("decile", "mean predicted", "observed fraud rate", "rows", title="calibration")
    for i, (p, o, n) in enumerate(result.reliability, 1):
        table.add_row(str(i), f"{p:.4f}", f"{o:.4f}", str(n))
    console.print(table)
    console.print(
        f"Brier {result.calibration['brier']:.4f} "
        f"(predicting the base rate: {result.calibration['brier_of_base_rate']:.4f})"
    )
