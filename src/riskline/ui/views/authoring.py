"""Governed authoring: rule-set and policy drafts checked as you type, backtested on the
ledger, approved by a second person, published, rolled back; rule snoozes per entity."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, time
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from riskline.errors import InvalidInput, RisklineError, Unavailable
from riskline.rules import EXAMPLE_RULESET, Problem, problems
from riskline.storage.drafts import DocKind, DraftStore
from riskline.ui.render import render
from riskline.ui.security import require_role
from riskline.ui.sessions import Session
from riskline.ui.users import ConsoleRole

__all__ = ["router"]

router = APIRouter(prefix="/authoring")
_ANALYST = Depends(require_role(ConsoleRole.ANALYST))
_SUPERVISOR = Depends(require_role(ConsoleRole.SUPERVISOR))
_VERSION = Path(ge=1, le=10**9)
_TEXT = Form(max_length=200_000)
_KIND = Form(pattern="^(rules|policy)$")


def _drafts(request: Request) -> DraftStore:
    drafts: DraftStore | None = getattr(request.app.state.console.runtime, "drafts", None)
    if drafts is None:
        raise Unavailable("authoring needs the engine's analyst rules (runtime without drafts)")
    return drafts


def _configured(request: Request, kind: DocKind) -> str:
    """The text in force: the published version, else the configured file."""
    published = _drafts(request).published(kind)
    if published is not None:
        return published.text
    settings = request.app.state.console.runtime.settings
    if kind is DocKind.RULES:
        return FilePath(settings.rules_path or EXAMPLE_RULESET).read_text(encoding="utf-8")
    from riskline.decisioning.policy import DEFAULT_POLICY_PATH

    return FilePath(settings.policy_path or DEFAULT_POLICY_PATH).read_text(encoding="utf-8")


def check_text(request: Request, kind: DocKind, text: str) -> list[Problem]:
    """The DSL checker's problems with line and column (the policy validator's for a policy)."""
    schema = request.app.state.console.runtime.engine.schema
    if kind is DocKind.RULES:
        return problems(text, schema)
    try:
        _drafts(request).check(kind, text)
    except RisklineError as err:
        return [Problem(0, 0, err.message)]
    return []


def _carets(text: str, found: list[Problem]) -> list[dict[str, Any]]:
    lines = text.splitlines()
    out = []
    for p in found:
        source = lines[p.line - 1] if 0 < p.line <= len(lines) else ""
        caret = " " * max(p.column - 1, 0) + "^" if p.line else ""
        out.append(
            {
                "line": p.line,
                "column": p.column,
                "message": p.message,
                "source": source,
                "caret": caret,
            }
        )
    return out


async def _page(request: Request, session: Session, **extra: Any) -> Response:
    drafts = _drafts(request)

    def load() -> dict[str, Any]:
        kind = DocKind(extra.pop("kind", "rules"))
        return {
            "versions": drafts.versions(),
            "snoozes": drafts.snoozes(),
            "published": {k.value: drafts.published(k) for k in DocKind},
            "kind": kind.value,
            "text": extra.pop("text", None) or _configured(request, kind),
        }

    ctx = await run_in_threadpool(load)
    ctx.update({"nav": "authoring", "problems": [], "reason": "", "error": "", "message": ""})
    ctx.update(extra)
    status = 422 if ctx["problems"] or ctx["error"] else 200
    return render(request, "authoring.html", ctx, status=status)


@router.get("")
async def authoring_page(
    request: Request, kind: str = "rules", session: Session = _ANALYST
) -> Response:
    """Versions, the editor, snoozes."""
    if kind not in ("rules", "policy"):
        raise InvalidInput("kind: rules or policy")
    return await _page(request, session, kind=kind)


@router.post("/check")
async def check(
    request: Request,
    text: Annotated[str, _TEXT],
    kind: Annotated[str, _KIND] = "rules",
    session: Session = _ANALYST,
) -> Response:
    """The checker's errors as you type: line, column, and a caret under the character."""
    found = await run_in_threadpool(check_text, request, DocKind(kind), text)
    return render(request, "_authoring_check.html", {"problems": _carets(text, found)})


@router.post("/drafts")
async def new_draft(
    request: Request,
    text: Annotated[str, _TEXT],
    reason: Annotated[str, Form(max_length=2000)],
    kind: Annotated[str, _KIND] = "rules",
    session: Session = _ANALYST,
) -> Response:
    """Save a draft (refused, with the errors at their carets, when it does not load)."""
    doc = DocKind(kind)
    found = await run_in_threadpool(check_text, request, doc, text)
    if found or not reason.strip():
        error = "" if found else "reason: say why this version is needed"
        return await _page(
            request,
            session,
            kind=kind,
            text=text,
            reason=reason,
            problems=_carets(text, found),
            error=error,
        )
    user = session.user.username
    v = await run_in_threadpool(_drafts(request).draft, doc, text, user, reason)
    return _to(request, f"/authoring/versions/{v.version}")


def _to(request: Request, path: str) -> Response:
    base = request.scope.get("root_path", "")
    return RedirectResponse(f"{base}{path}", status_code=303)


@router.get("/versions/{version}")
async def version_page(
    request: Request, version: int = _VERSION, session: Session = _ANALYST
) -> Response:
    """One version: its text, state, who did what, and its actions."""
    v = await run_in_threadpool(_drafts(request).get, version)
    return render(request, "authoring_version.html", {"v": v, "nav": "authoring"})


@router.get("/versions/{version}/export")
async def export(
    request: Request, version: int = _VERSION, session: Session = _ANALYST
) -> Response:
    """The version as the YAML file the engine loads."""
    text = await run_in_threadpool(_drafts(request).export, version)
    name = f"riskline-version-{version}.yaml"
    return PlainTextResponse(
        text,
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/versions/{version}/approve")
async def approve(
    request: Request, version: int = _VERSION, session: Session = _SUPERVISOR
) -> Response:
    """Four eyes: a supervisor other than the author approves."""
    await run_in_threadpool(_drafts(request).approve, version, session.user.username)
    return _to(request, f"/authoring/versions/{version}")


@router.post("/versions/{version}/publish")
async def publish(
    request: Request, version: int = _VERSION, session: Session = _SUPERVISOR
) -> Response:
    """Put an approved version in force (the engine takes it on the next event)."""
    await run_in_threadpool(_drafts(request).publish, version, session.user.username)
    return _to(request, f"/authoring/versions/{version}")


@router.post("/rollback")
async def rollback(
    request: Request, kind: Annotated[str, _KIND] = "rules", session: Session = _SUPERVISOR
) -> Response:
    """Back to the previously published version (or the configured file)."""
    await run_in_threadpool(_drafts(request).rollback, DocKind(kind), session.user.username)
    return _to(request, "/authoring")


@router.post("/snoozes")
async def snooze(
    request: Request,
    rule_id: Annotated[str, Form(max_length=100)],
    entity_id: Annotated[str, Form(max_length=200)],
    until: Annotated[str, Form(max_length=40)],
    reason: Annotated[str, Form(max_length=2000)],
    session: Session = _SUPERVISOR,
) -> Response:
    """Stop a rule firing for one account or merchant until a time."""
    try:
        end = datetime.fromisoformat(until)
    except ValueError:
        raise InvalidInput(f"until: {until!r} is not a date and time (2026-12-31T18:00)") from None
    end = end if end.tzinfo else end.replace(tzinfo=UTC)
    user = session.user.username
    await run_in_threadpool(_drafts(request).snooze, rule_id, entity_id, end, user, reason)
    return _to(request, "/authoring")


def _day(text: str, name: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(text), time(), UTC)
    except ValueError:
        raise InvalidInput(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None


def run_backtest(request: Request, version: int, start: datetime, end: datetime) -> Any:
    """Item 1's ledger backtest of a stored version against what is in force now."""
    from riskline.whatif import backtest_ledger

    drafts = _drafts(request)
    v = drafts.get(version)
    settings = request.app.state.console.runtime.settings
    with tempfile.TemporaryDirectory(prefix="riskline-draft-") as folder:
        candidate = FilePath(folder) / f"candidate-{version}.yaml"
        candidate.write_text(v.text, encoding="utf-8")
        live = FilePath(folder) / "live.yaml"
        live.write_text(_configured(request, v.kind), encoding="utf-8")
        field = "rules_path" if v.kind is DocKind.RULES else "policy_path"
        settings = settings.model_copy(update={field: live})
        if v.kind is DocKind.RULES:
            return backtest_ledger(settings, start, end, rules=candidate)
        return backtest_ledger(settings, start, end, policy=candidate)


@router.post("/versions/{version}/backtest")
async def backtest(
    request: Request,
    start: Annotated[str, Form(alias="from", max_length=10)],
    end: Annotated[str, Form(alias="to", max_length=10)],
    version: int = _VERSION,
    session: Session = _ANALYST,
) -> Response:
    """The version replayed over the ledger's period against the set in force."""
    a, b = _day(start, "from"), _day(end, "to")
    report = await run_in_threadpool(run_backtest, request, version, a, b)
    return render(request, "_authoring_backtest.html", {"r": report})
