"""The ``riskline`` command line (typer); each module registers its commands on ``app``."""

from riskline.cli import backtest, core, demo, more, train, world
from riskline.cli.base import app

__all__ = ["app", "main"]

_COMMAND_MODULES = (backtest, core, demo, more, train, world)


def main() -> None:
    """Entry point of the ``riskline`` script."""
    app()
