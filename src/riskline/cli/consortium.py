"""``riskline consortium …``: run a member node, file and dispute entries, query peers, bench.

Settings come from ``RISKLINE_CONSORTIUM_*`` variables (see docs/consortium.md); ``--db``,
``--member`` and ``--peers`` override the database URL, member id and peers file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from riskline.cli.base import app, console, handle_errors, load_settings
from riskline.errors import InvalidConfig, InvalidInput

__all__ = ["app", "consortium_app"]

consortium_app = typer.Typer(
    help="Consortium blacklist: member node, filing, disputes, private queries.",
    no_args_is_help=True,
)
app.add_typer(consortium_app, name="consortium")

_Opt = typer.Option


@consortium_app.callback()
def _options(
    ctx: typer.Context,
    db: Annotated[str | None, _Opt(help="Node database URL.")] = None,
    member: Annotated[str | None, _Opt(help="This member's id.")] = None,
    peers: Annotated[Path | None, _Opt(help="Peers file (YAML/JSON).")] = None,
) -> None:
    overrides = {"database_url": db, "member_id": member, "peers_file": peers}
    ctx.obj = {k: v for k, v in overrides.items() if v is not None}


def _settings(ctx: typer.Context, **more: Any) -> Any:
    from riskline.config import ConsortiumSettings

    try:
        return ConsortiumSettings(**{**(ctx.obj or {}), **{k: v for k, v in more.items() if v}})
    except Exception as err:  # pydantic ValidationError: bad environment variable
        raise InvalidConfig(f"consortium configuration error: {err}") from None


@contextmanager
def _node(ctx: typer.Context) -> Iterator[Any]:
    from riskline.consortium import build_node

    node = build_node(_settings(ctx))
    try:
        yield node
    finally:
        node.close()


def _run(ctx: typer.Context, op: Callable[[Any], Any]) -> None:
    """Run one operation on this node's database and print its result."""
    from riskline.consortium.ops import Ops

    with handle_errors(), _node(ctx) as node:
        _print(op(Ops(node)))


def _print(data: Any) -> None:
    console.print_json(json.dumps(data, default=str))


def _clear(phone: str | None, id_number: str | None, device: str | None) -> dict[str, str]:
    clear = {"phone": phone, "id": id_number, "device": device}
    return {k: v for k, v in clear.items() if v}


@consortium_app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, _Opt()] = None,
    port: Annotated[int | None, _Opt()] = None,
) -> None:
    """Run this member's node (API, store, periodic purge and re-publish)."""
    import uvicorn

    from riskline.consortium import build_node
    from riskline.consortium.app import create_node_app

    with handle_errors():
        settings = _settings(ctx, host=host, port=port)
        node = build_node(settings)
        uvicorn.run(
            create_node_app(node), host=settings.host, port=settings.port, log_level="warning"
        )


class _Outcome:
    def __init__(self, case_id: str, analyst: str, approver: str, confirmed: bool) -> None:
        self.case_id, self.analyst, self.approver, self.confirmed = (
            case_id,
            analyst,
            approver,
            confirmed,
        )


def _case_outcome(case_id: str) -> _Outcome:
    """The four-eyes fraud confirmation of a case in this Riskline's database."""
    from riskline.cases import Resolution, repo
    from riskline.storage import connect

    engine = connect(load_settings().database_url)
    try:
        with engine.connect() as conn:
            case = repo.load_case(conn, case_id)
            events = repo.load_events(conn, case_id)
    finally:
        engine.dispose()
    approvals = [e for e in events if e.action == "approved"]
    if case.resolution is not Resolution.FRAUD or not approvals:
        raise InvalidInput(
            f"case {case_id} was not closed as fraud through a four-eyes approval "
            f"(status {case.status.value}, resolution {case.resolution})"
        )
    last = approvals[-1]
    return _Outcome(case_id, str(last.details.get("requested_by", "")), last.actor, True)


@consortium_app.command("file")
def file_entry(
    ctx: typer.Context,
    case: Annotated[str, _Opt(help="Case id that confirmed the fraud.")],
    reason: Annotated[str, _Opt(help="cash_out, fake_transactions, identity_fraud, …")],
    evidence: Annotated[str, _Opt(help="Evidence reference (not content).")],
    analyst: Annotated[str | None, _Opt(help="Only for cases kept outside Riskline.")] = None,
    approver: Annotated[
        str | None, _Opt(help="Second reviewer (four-eyes; not the analyst); as --analyst.")
    ] = None,
    phone: Annotated[str | None, _Opt()] = None,
    id_number: Annotated[str | None, _Opt("--id")] = None,
    device: Annotated[str | None, _Opt()] = None,
    confirmed: Annotated[bool, _Opt("--confirmed/--not-confirmed")] = True,
    ttl_days: Annotated[int | None, _Opt()] = None,
) -> None:
    """File a confirmed fraud's identifiers (hashed; clear values are not stored).

    The case is read from this Riskline's database (RISKLINE_DATABASE_URL): it must be closed as
    fraud through a four-eyes approval. ``--analyst``/``--approver`` are only for a case kept
    in another system.
    """
    with handle_errors():
        if analyst is None and approver is None:
            outcome = _case_outcome(case)
        elif analyst is None or approver is None:
            raise InvalidConfig("give both --analyst and --approver, or neither")
        else:
            outcome = _Outcome(case, analyst, approver, confirmed)
    ttl = ttl_days * 86_400 if ttl_days else None
    clear = _clear(phone, id_number, device)
    _run(ctx, lambda ops: ops.file(outcome, clear, reason, evidence, ttl))
    console.print("run `riskline consortium publish` (or wait for the node) to publish")


@consortium_app.command()
def dispute(
    ctx: typer.Context,
    phone: Annotated[str | None, _Opt()] = None,
    id_number: Annotated[str | None, _Opt("--id")] = None,
    device: Annotated[str | None, _Opt()] = None,
) -> None:
    """A data subject disputes the entries on their identifiers (unpublished while reviewed)."""
    clear = _clear(phone, id_number, device)
    _run(ctx, lambda ops: ops.dispute(clear))


@consortium_app.command()
def review(
    ctx: typer.Context,
    entry_id: str,
    uphold: Annotated[bool, _Opt("--uphold/--withdraw")],
) -> None:
    """The source's decision on a disputed entry."""
    _run(ctx, lambda ops: ops.review(entry_id, uphold))


@consortium_app.command()
def publish(ctx: typer.Context) -> None:
    """Purge, re-key and publish the blacklist and recent-applicants sets now."""
    _run(ctx, lambda ops: ops.publish())


@consortium_app.command()
def applied(
    ctx: typer.Context,
    applicants: Annotated[Path, typer.Argument(help="CSV with ref,phone,id,device columns.")],
) -> None:
    """Record recent applicants (published for the other members' multi-lending counts)."""
    with handle_errors():
        rows = _read_csv(applicants)
    people = [_clear(r.get("phone"), r.get("id"), r.get("device")) for r in rows]
    _run(ctx, lambda ops: ops.applications(people))


@consortium_app.command()
def audit(ctx: typer.Context) -> None:
    """Print the audit log of queries answered (hash chain verified)."""
    _run(ctx, lambda ops: ops.audit())


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="") as f:
            return list(csv.DictReader(f))
    except OSError as err:
        raise InvalidInput(f"cannot read {path}: {err}") from None


def _applicants(path: Path, ctx: typer.Context) -> list[Any]:
    from riskline.consortium import Applicant, ConsortiumHasher

    hasher = ConsortiumHasher(_settings(ctx).consortium_key())
    out = []
    for n, row in enumerate(_read_csv(path), 1):
        clear = _clear(row.get("phone"), row.get("id"), row.get("device"))
        out.append(Applicant(row.get("ref") or str(n), hasher.tokens(clear), {}))
    return out


@consortium_app.command()
def query(
    ctx: typer.Context,
    applicants: Annotated[Path, typer.Argument(help="CSV with ref,phone,id,device columns.")],
    peer: Annotated[
        list[str] | None, _Opt(help="Peer member id (repeat); all when omitted.")
    ] = None,
) -> None:
    """Check applicants against peers' blacklists privately; print the hits."""
    from riskline.consortium import Screener

    with handle_errors(), _node(ctx) as node:
        batch = _applicants(applicants, ctx)
        chosen = [c for m, c in node.clients.items() if not peer or m in peer]
        if not chosen:
            raise InvalidConfig("no peers configured (RISKLINE_CONSORTIUM_PEERS_FILE / --peers)")
        hits = Screener(chosen).hits(batch)
        _print(
            [{"ref": h.ref, "kind": h.kind, "member": h.member, "reason": h.reason} for h in hits]
        )


@consortium_app.command()
def lenders(
    ctx: typer.Context,
    applicants: Annotated[Path, typer.Argument(help="CSV with ref,phone,id,device columns.")],
) -> None:
    """Per applicant, how many peers saw them apply recently (PSI cardinality)."""
    from riskline.consortium import Screener

    with handle_errors(), _node(ctx) as node:
        screener = Screener(list(node.clients.values()))
        _print({a.ref: screener.lenders(a) for a in _applicants(applicants, ctx)})


@consortium_app.command()
def bench(
    list_size: Annotated[int, _Opt("--list")] = 1_000_000,
    query_size: Annotated[int, _Opt("--query")] = 100_000,
    structure: Annotated[list[str] | None, _Opt(help="gcs and/or bloom")] = None,
    fpr: Annotated[float, _Opt()] = 1e-9,
) -> None:
    """Time and bytes of one private query against a published list."""
    from riskline.bench.consortium import run_bench

    with handle_errors():
        for ds in structure or ["gcs"]:
            result = run_bench(list_size, query_size, fpr=fpr, structure=ds)
            for line in result.lines():
                typer.echo(line)
