"""The ``riskline`` command line (typer); each module registers its commands on ``app``."""

from riskline.cli import (
    audit,
    backtest,
    cases,
    console,
    consortium,
    core,
    demo,
    merchants,
    more,
    privacy,
    sim,
    spark,
    state,
    stepup,
    stream,
    train,
    train_fraud,
    tune,
    world,
)
from riskline.cli.base import app

__all__ = ["app", "main"]

_COMMAND_MODULES = (
    audit,
    backtest,
    cases,
    consortium,
    console,
    core,
    demo,
    merchants,
    more,
    privacy,
    sim,
    spark,
    state,
    stepup,
    stream,
    train,
    train_fraud,
    tune,
    world,
)


def main() -> None:
    """Entry point of the ``riskline`` script."""
    app()
