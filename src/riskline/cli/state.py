"""``riskline state``: shared state in Redis (status, rebuild from the ledger)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from riskline.cli.base import app, console, handle_errors, load_settings

__all__ = ["app", "state_app"]

state_app = typer.Typer(help="Shared state in Redis (features, graph).", no_args_is_help=True)
app.add_typer(state_app, name="state")

Namespace = Annotated[
    str | None,
    typer.Option(
        "--namespace",
        envvar="RISKLINE_REDIS_NAMESPACE",
        help="Key prefix of this deployment in Redis (default: riskline)",
    ),
]


@state_app.command("status")
def state_status(namespace: Namespace = None) -> None:
    """Whether the namespace holds the ledger's state, and how many keys it has."""
    from riskline.state import SharedState

    with handle_errors():
        settings = load_settings()
        shared = SharedState.connect(settings.redis_url, _namespace(settings, namespace))
        ready = shared.ready()
        counts = {part: sum(1 for _ in shared.scan(part)) for part in ("f", "g")}
    console.print(
        json.dumps({"namespace": shared.namespace, "ready": ready, "keys": counts}, indent=2)
    )


@state_app.command("rebuild")
def state_rebuild(
    namespace: Namespace = None,
    grace: Annotated[
        float, typer.Option(help="Seconds to let in-flight batches finish after the stop")
    ] = 2.0,
) -> None:
    """Flush this deployment's Redis namespace and replay the ledger into features and graph."""
    from riskline.state.wiring import rebuild_from_settings

    with handle_errors():
        settings = load_settings()
        report = rebuild_from_settings(settings, _namespace(settings, namespace), grace)
    console.print(
        f"namespace {report.namespace}: {report.keys_deleted} keys deleted, "
        f"{report.events} events replayed in {report.seconds:.1f} s"
    )


def _namespace(settings: object, option: str | None) -> str:
    return option or str(getattr(settings, "redis_namespace", "riskline"))
