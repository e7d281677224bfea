"""The ``riskline`` command line (typer); each module registers its commands on ``app``."""

from riskline.cli import (
    audit,
    authoring,
    backtest,
    cases,
    console,
    consortium,
    core,
    demo,
    labels,
    labels_known,
    merchants,
    models,
    monitor,
    more,
    privacy,
    score,
    sim,
    spark,
    state,
    stepup,
    stream,
    train,
    train_fraud,
    tune,
    watch,
    world,
)
from riskline.cli.base import app

__all__ = ["app", "main"]

_COMMAND_MODULES = (
    audit,
    authoring,
    backtest,
    cases,
    console,
    consortium,
    core,
    demo,
    labels,
    labels_known,
    merchants,
    models,
    monitor,
    more,
    privacy,
    score,
    sim,
    spark,
    state,
    stepup,
    stream,
    train,
    train_fraud,
    tune,
    watch,
    world,
)


def main() -> None:
    """Entry point of the ``riskline`` script."""
    app()
