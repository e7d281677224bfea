"""Admin pages: console users (add, change role, reset password, disable)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from riskline.errors import Conflict, InvalidInput
from riskline.ui.render import render
from riskline.ui.security import require_role
from riskline.ui.sessions import Session
from riskline.ui.users import ConsoleRole

__all__ = ["router"]

router = APIRouter(prefix="/admin")
_ADMIN = Depends(require_role(ConsoleRole.ADMIN))
_NAME = Path(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]+$")


async def _page(
    request: Request, message: str = "", error: str = "", status: int = 200
) -> Response:
    users = await run_in_threadpool(request.app.state.console.users.list)
    return render(
        request,
        "admin_users.html",
        {
            "users": users,
            "roles": list(ConsoleRole),
            "message": message,
            "error": error,
            "nav": "admin",
        },
        status=status,
    )


@router.get("/users")
async def users_page(request: Request, session: Session = _ADMIN) -> Response:
    """Every console user with role and state."""
    return await _page(request)


@router.post("/users")
async def add_user(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=16)],
    password: Annotated[str, Form(max_length=1024)],
    session: Session = _ADMIN,
) -> Response:
    """Create a user (the admin tells them the first password out of band)."""
    try:
        user = await run_in_threadpool(
            request.app.state.console.users.add, username, role, password
        )
    except (InvalidInput, Conflict) as err:
        return await _page(request, error=err.message, status=err.status)
    return await _page(request, message=f"added {user.username} ({user.role.value})")


@router.post("/users/{username}")
async def change_user(
    request: Request,
    username: str = _NAME,
    role: Annotated[str | None, Form(max_length=16)] = None,
    disabled: Annotated[str | None, Form(pattern="^(yes|no)$")] = None,
    password: Annotated[str | None, Form(max_length=1024)] = None,
    session: Session = _ADMIN,
) -> Response:
    """Change one thing about a user: role, disabled state or password."""
    users = request.app.state.console.users
    if username == session.user.username and (disabled == "yes" or role not in (None, "admin")):
        raise InvalidInput("you cannot disable or demote yourself; ask another admin")
    if role is not None:
        await run_in_threadpool(users.set_role, username, role)
    if disabled is not None:
        await run_in_threadpool(users.set_disabled, username, disabled == "yes")
    if password:
        await run_in_threadpool(users.set_password, username, password)
    base = request.scope.get("root_path", "")
    return RedirectResponse(f"{base}/admin/users", status_code=303)
