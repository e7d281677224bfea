"""``riskline train``: a credit scorecard or a fraud model from a world or your own history."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from riskline.cli.base import app, console, handle_errors, load_settings
from riskline.errors import InvalidInput

__all__ = ["train_app", "train_scorecard"]

train_app = typer.Typer(
    help="Train models into the registry (RISKLINE_MODEL_DIR).", no_args_is_help=True
)
app.add_typer(train_app, name="train")


def _mapping(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        theirs, sep, ours = pair.partition("=")
        if not sep or not theirs or not ours:
            raise InvalidInput(f"--map takes THEIR_COLUMN=OUR_NAME, got {pair!r}")
        out[theirs] = ours
    return out


def _from_history(
    data: Path,
    target: str,
    time_col: str | None,
    features: str | None,
    mapping: list[str],
    kind: str,
) -> None:
    """Train on a file; without a time column the file's row order is the time order."""
    from riskline.scoring import ModelRegistry, read_history, train_from_frame

    df = read_history(data, _mapping(mapping))
    if time_col is None:
        df, time_col = df.with_row_index("__row"), "__row"
    cols = (
        [c.strip() for c in features.split(",")]
        if features
        else [c for c in df.columns if c not in (target, time_col)]
    )
    result = train_from_frame(df, target, time_col, cols, kind=kind)
    registry = ModelRegistry(load_settings().model_dir)
    name = "scorecard" if kind == "scorecard" else "fraud"
    meta = registry.register(
        name,
        result.model,
        kind=kind,
        features=result.features,
        data_window=result.data_window,
        metrics=result.metrics,
    )
    _print_metrics(
        f"{name} {meta.version} (not activated: `riskline train activate`)", result.metrics
    )


def _print_metrics(title: str, metrics: Mapping[str, float]) -> None:
    table = Table("metric", "value", title=title)
    for k, v in metrics.items():
        table.add_row(k, f"{v:.4f}" if isinstance(v, float) else str(v))
    console.print(table)


@train_app.command("scorecard")
def train_scorecard(
    data: Annotated[
        Path | None, typer.Argument(help="CSV or Parquet history (or use --world)")
    ] = None,
    world: Annotated[
        Path | None, typer.Option(help="A world folder: target = 30+ days overdue")
    ] = None,
    target: Annotated[str | None, typer.Option(help="0/1 column of DATA: 1 = bad")] = None,
    time_col: Annotated[str | None, typer.Option("--time", help="Time column of DATA")] = None,
    features: Annotated[str | None, typer.Option(help="Comma-separated columns of DATA")] = None,
    mapping: Annotated[
        list[str] | None, typer.Option("--map", help="THEIR_COLUMN=OUR_NAME")
    ] = None,
) -> None:
    """WOE scorecard (optbinning + logistic regression -> points); AUC, KS, Gini, PSI.

    With --world it is trained on the engine's own features and activated: the engine's
    credit score (and so the limit band) then comes from it.
    """
    from riskline.scoring import ModelRegistry
    from riskline.sim import load_world
    from riskline.training import credit_frame, train_scorecard_on_world

    with handle_errors():
        if world is not None:
            frame = credit_frame(load_world(world).events())
            trained = train_scorecard_on_world(frame, ModelRegistry(load_settings().model_dir))
            _print_metrics(f"scorecard {trained.version} (active)", trained.metrics)
            return
        if data is None or target is None:
            raise InvalidInput("give --world DIR, or DATA with --target (and --time)")
        _from_history(data, target, time_col, features, mapping or [], "scorecard")


@train_app.command("activate")
def activate(
    name: Annotated[str, typer.Argument(help="fraud | anomaly | scorecard")],
    version: Annotated[str, typer.Argument(help="e.g. v2")],
    challenger: Annotated[
        bool, typer.Option(help="Score in shadow beside the active version")
    ] = False,
) -> None:
    """Make a registered version active (or the shadow challenger)."""
    from riskline.scoring import ModelRegistry

    with handle_errors():
        registry = ModelRegistry(load_settings().model_dir)
        registry.meta(name, version)
        if challenger:
            registry.set_challenger(name, version)
        else:
            registry.set_active(name, version)
    console.print(f"{name} {version} is now {'the challenger' if challenger else 'active'}")
