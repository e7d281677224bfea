"""``riskline console``: analyst console users (add, list, set password, set role, disable)."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from riskline.cli.base import app, handle_errors, load_settings
from riskline.cli.base import console as out
from riskline.errors import InvalidInput

__all__ = [
    "app",
    "console_add_user",
    "console_app",
    "console_disable",
    "console_list_users",
    "console_set_password",
    "console_set_role",
]

console_app = typer.Typer(help="Analyst console users.", no_args_is_help=True)
app.add_typer(console_app, name="console")

PASSWORD_ENV = "RISKLINE_CONSOLE_PASSWORD"
_ENV_HELP = f"Environment variable holding the password (else you are prompted); {PASSWORD_ENV}"


def _users() -> Any:
    from riskline.storage import connect, upgrade
    from riskline.ui import ConsoleSettings, UserStore

    engine = connect(load_settings().database_url)
    upgrade(engine)
    return UserStore(engine, work=ConsoleSettings().password_work)


def _password(env: str) -> str:
    """The password from ``env`` when set, else typed twice at a prompt (never an argument,
    so it stays out of shell history and process lists)."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise InvalidInput(f"no password: set {env} or run in a terminal to be prompted")
    typed: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return typed


@console_app.command("add-user")
def console_add_user(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ -)")],
    role: Annotated[str, typer.Option(help="analyst | supervisor | admin")] = "analyst",
    password_env: Annotated[str, typer.Option(help=_ENV_HELP)] = PASSWORD_ENV,
) -> None:
    """Create a console user with a salted scrypt password hash."""
    with handle_errors():
        password = _password(password_env)
        user = _users().add(name, role, password)
    out.print(f"added console user {user.username} ({user.role.value})")


@console_app.command("list-users")
def console_list_users() -> None:
    """Every console user with role and state."""
    with handle_errors():
        users = _users().list()
    table = Table("user", "role", "created", "state")
    for u in users:
        state = "disabled" if u.disabled_at else "locked" if u.locked_until else "active"
        table.add_row(u.username, u.role.value, u.created_at.isoformat(timespec="seconds"), state)
    out.print(table)


@console_app.command("set-password")
def console_set_password(
    name: Annotated[str, typer.Argument()],
    password_env: Annotated[str, typer.Option(help=_ENV_HELP)] = PASSWORD_ENV,
) -> None:
    """Replace a user's password (their sessions end)."""
    with handle_errors():
        _users().set_password(name, _password(password_env))
    out.print(f"password of {name} changed; their sessions were ended")


@console_app.command("set-role")
def console_set_role(
    name: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Argument(help="analyst | supervisor | admin")],
) -> None:
    """Change a user's role."""
    with handle_errors():
        _users().set_role(name, role)
    out.print(f"{name} is now {role}")


@console_app.command("disable")
def console_disable(
    name: Annotated[str, typer.Argument()],
    enable: Annotated[bool, typer.Option("--enable", help="Re-enable instead")] = False,
) -> None:
    """Disable a user (their sessions end at once), or re-enable with --enable."""
    with handle_errors():
        _users().set_disabled(name, not enable)
    out.print(f"{name} {'enabled' if enable else 'disabled'}")
