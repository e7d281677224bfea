"""Shared pieces of the ``riskline`` command line: the typer apps, settings, error handling."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from riskline.config import DEV_PII_SECRET, Settings
from riskline.errors import InvalidInput, RisklineError
from riskline.events.pii import PiiHasher

__all__ = [
    "PASSWORD_ENV",
    "app",
    "console",
    "db_app",
    "engine_schema",
    "err_console",
    "handle_errors",
    "keys_app",
    "load_settings",
    "password_from",
    "pii_hasher",
    "progress",
]

app = typer.Typer(help="Riskline: real-time risk control for credit lines.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


PASSWORD_ENV = "RISKLINE_CONSOLE_PASSWORD"
"""Where console commands read a password from when it is not typed at a prompt."""


def password_from(env: str, *, missing: str, prompt: str = "Password") -> str:
    """A password from ``env`` when set, else typed twice at a prompt (never an argument,
    so it stays out of shell history and process lists); ``missing`` starts the error."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise InvalidInput(f"{missing}: set {env} or run in a terminal to be prompted")
    typed: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=True)
    return typed


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except Exception as err:  # pydantic ValidationError: bad environment variable
        raise RisklineError(f"configuration error: {err}") from None


def engine_schema() -> dict[str, str]:
    """Every name a rule or policy check may read, as the engine's (default catalog, graph
    signals, event and line context, model and rule scores)."""
    from riskline.decisioning import signal_schema
    from riskline.features import default_catalog
    from riskline.graph import SCHEMA as GRAPH_SCHEMA

    catalog = {k: str(v) for k, v in default_catalog().schema().items()}
    return signal_schema(catalog, GRAPH_SCHEMA)


def pii_hasher(settings: Settings) -> PiiHasher:
    """The hasher of a command whose hashed identifiers outlive it (files, streams) without a
    runtime; on the development secret it logs a runtime's warning (once per process)."""
    if settings.pii_secret.get_secret_value() == DEV_PII_SECRET:
        from riskline import runtime

        runtime._warn_dev_secret()
    return PiiHasher(settings.pii_key)


@contextmanager
def handle_errors() -> Iterator[None]:
    try:
        yield
    except RisklineError as err:
        err_console.print(f"[red]error:[/red] {err.message}")
        for d in err.details[:10]:
            err_console.print(f"  {'.'.join(map(str, d.get('loc', [])))}: {d.get('msg')}")
        raise typer.Exit(2) from None


@contextmanager
def progress(label: str) -> Iterator[Callable[[int], None]]:
    columns = (TextColumn(label), BarColumn(), TextColumn("{task.completed} lines"))
    with Progress(
        *columns, console=err_console, transient=True, disable=not sys.stderr.isatty()
    ) as bar:
        task = bar.add_task(label, total=None)
        yield lambda n: bar.update(task, completed=n)
