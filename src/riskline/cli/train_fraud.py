"""``riskline train fraud``: a fraud model from a world or your own payment history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from riskline.cli.base import handle_errors, load_settings
from riskline.cli.train import _from_history, _mapping, _print_metrics, train_app
from riskline.errors import InvalidInput

__all__ = ["train_fraud"]


@train_app.command("fraud")
def train_fraud(
    data: Annotated[
        Path | None, typer.Argument(help="CSV/Parquet history (or use --world)")
    ] = None,
    world: Annotated[
        Path | None, typer.Option(help="A world folder from `riskline simulate`")
    ] = None,
    target: Annotated[str | None, typer.Option(help="0/1 label column of DATA")] = None,
    time_col: Annotated[str | None, typer.Option("--time", help="Time column of DATA")] = None,
    features: Annotated[str | None, typer.Option(help="Comma-separated columns of DATA")] = None,
    mapping: Annotated[
        list[str] | None, typer.Option("--map", help="THEIR_COLUMN=OUR_NAME")
    ] = None,
    payer: Annotated[str | None, typer.Option(help="Payer column: build velocity features")] = None,
    payee: Annotated[str | None, typer.Option(help="Payee column (with --payer)")] = None,
    amount: Annotated[str | None, typer.Option(help="Amount column (with --payer)")] = None,
) -> None:
    """LightGBM fraud model (calibrated, reason codes) and an anomaly model; --world activates.

    With --payer/--payee/--amount a payment history gets past-only per-payer, per-payee and
    per-pair velocity and degree features first (as in the S-FFSD evaluation).
    """
    from riskline.scoring import ModelRegistry
    from riskline.training import load_world_frame, train_on_world

    with handle_errors():
        if world is not None:
            registry = ModelRegistry(load_settings().model_dir)
            trained = train_on_world(load_world_frame(world), registry)
            _print_metrics(
                f"fraud {trained.fraud_version} (active), anomaly {trained.anomaly_version}",
                trained.metrics,
            )
            return
        if data is None or target is None or time_col is None:
            raise InvalidInput("give --world DIR, or DATA with --target and --time")
        if payer or payee or amount:
            _payments(data, target, time_col, mapping or [], payer, payee, amount)
            return
        _from_history(data, target, time_col, features, mapping or [], "gbdt")


def _payments(
    data: Path,
    target: str,
    time_col: str,
    mapping: list[str],
    payer: str | None,
    payee: str | None,
    amount: str | None,
) -> None:
    from riskline.datasets.byo import train_fraud as train_payments
    from riskline.scoring import ModelRegistry, read_history

    if not (payer and payee and amount):
        raise InvalidInput("--payer, --payee and --amount go together")
    df = read_history(data, _mapping(mapping))
    result = train_payments(
        df, payer=payer, payee=payee, amount=amount, time=time_col, label=target
    )
    meta = ModelRegistry(load_settings().model_dir).register(
        "fraud-history",
        result.model,
        kind="gbdt",
        features=result.features,
        data_window=result.data_window,
        metrics=result.metrics,
    )
    _print_metrics(f"fraud-history {meta.version} (newest 20 % as test)", result.metrics)
