"""``riskline console``: analyst console users (add, list, set password, set role, disable)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from riskline.cli.base import PASSWORD_ENV, app, handle_errors, load_settings, password_from
from riskline.cli.base import console as out

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

_ENV_HELP = f"Environment variable holding the password (else you are prompted); {PASSWORD_ENV}"


def _users() -> Any:
    from riskline.storage import connect, upgrade
    from riskline.ui import UserStore

    settings = load_settings()
    engine = connect(settings.database_url)
    upgrade(engine)
    return UserStore(engine, work=settings.console.password_work)


@console_app.command("add-user")
def console_add_user(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ -)")],
    role: Annotated[str, typer.Option(help="analyst | supervisor | admin")] = "analyst",
    password_env: Annotated[str, typer.Option(help=_ENV_HELP)] = PASSWORD_ENV,
) -> None:
    """Create a console user with a salted scrypt password hash."""
    with handle_errors():
        password = password_from(password_env, missing="no password")
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
        _users().set_password(name, password_from(password_env, missing="no password"))
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
