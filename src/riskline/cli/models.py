"""``riskline models``: list, show, activate and find the report of registered models."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from riskline.cli.base import app, console, engine_schema, handle_errors, load_settings
from riskline.cli.monitor import resolve_version
from riskline.errors import InvalidInput

if TYPE_CHECKING:
    from riskline.scoring import ModelMeta, ModelRegistry

__all__ = ["activate", "format_metric", "models_app", "report", "show"]

models_app = typer.Typer(
    help="Registered models (RISKLINE_MODEL_DIR): list, show, activate, report.",
    no_args_is_help=True,
)
app.add_typer(models_app, name="models")

ROLE_KINDS: Mapping[str, frozenset[str]] = {  # the keys are riskline.scoring.ROLES
    "scorecard": frozenset({"scorecard"}),
    "fraud": frozenset({"lightgbm", "gbdt"}),
    "anomaly": frozenset({"isolation_forest"}),
}
"""Model kinds the engine can serve in each role."""

_COUNTS = frozenset({"n", "positives", "negatives", "rows", "bads", "goods"})
_KEY_METRICS = ("auc", "test_auc", "auc_test")


def format_metric(key: str, value: float) -> str:
    """A metric as printed: counts as integers, the rest with four decimals.

    >>> format_metric("n", 300.0), format_metric("train_bads", 21.0), format_metric("auc", 0.8)
    ('300', '21', '0.8000')
    """
    last = key.rsplit("_", 1)[-1]
    if key in _COUNTS or last in _COUNTS:
        return f"{int(value):,}"
    return f"{value:.4f}"


def _registry() -> ModelRegistry:
    from riskline.scoring import ModelRegistry

    return ModelRegistry(load_settings().model_dir)


def _serving(registry: ModelRegistry) -> dict[tuple[str, str], list[str]]:
    """(name, version) -> the engine roles it serves."""
    from riskline.scoring import ModelNotFound
    from riskline.scoring.registry import ROLES

    out: dict[tuple[str, str], list[str]] = {}
    for role in ROLES:
        try:
            out.setdefault(registry.serving(role), []).append(role)
        except ModelNotFound:
            continue
    return out


def _marks(registry: ModelRegistry, meta: ModelMeta, serving: Mapping[Any, list[str]]) -> str:
    from riskline.scoring import ModelNotFound

    marks = []
    try:
        if registry.active(meta.name) == meta.version:
            marks.append("active")
    except ModelNotFound:
        pass
    if registry.challenger(meta.name) == meta.version:
        marks.append("challenger")
    marks += [f"serves {r}" for r in serving.get((meta.name, meta.version), [])]
    return ", ".join(marks)


def _names(registry: ModelRegistry) -> list[str]:
    root = registry.root
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and registry.versions(p.name))


def _report_path(registry: ModelRegistry, name: str, version: str) -> Path:
    from riskline.lab.report import REPORT

    return registry.root / name / version / REPORT


@models_app.command("list")
def list_models() -> None:
    """Every registered model version: kind, when, AUC, and what the engine serves."""
    with handle_errors():
        registry = _registry()
        serving = _serving(registry)
        table = Table()
        for column in ("name", "version", "kind", "created (UTC)", "AUC", "status"):
            # narrow terminals wrap kind and date; names, figures and marks stay whole
            table.add_column(column, no_wrap=column not in ("kind", "created (UTC)"))
        for name in _names(registry):
            for version in registry.versions(name):
                meta = registry.meta(name, version)
                key = next((meta.metrics[k] for k in _KEY_METRICS if k in meta.metrics), None)
                table.add_row(
                    name,
                    version,
                    meta.kind,
                    meta.created_at[:16].replace("T", " "),
                    "" if key is None else f"{key:.4f}",
                    _marks(registry, meta, serving),
                )
    if not table.rows:
        console.print(
            f"no models in {registry.root}; train one with "
            "`riskline train scorecard FILE --target COL`"
        )
        return
    console.print(table)


@models_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Model name")],
    version: Annotated[
        str | None, typer.Argument(help="Version (default: active, else newest)")
    ] = None,
) -> None:
    """One model version: what it is, its metrics (counts as integers), features, report."""
    with handle_errors():
        registry = _registry()
        version = resolve_version(registry, name, version)
        meta = registry.meta(name, version)
        marks = _marks(registry, meta, _serving(registry))
    report_file = _report_path(registry, name, version)
    console.print(f"[bold]{name} {version}[/bold] ({meta.kind}) {marks}".rstrip())
    console.print(f"created   {meta.created_at}")
    if any(meta.data_window):
        console.print(f"data      {meta.data_window[0]} … {meta.data_window[1]}")
    for key, value in sorted(meta.extra.items()):
        console.print(f"{key:<9} {value}", markup=False)
    console.print(f"sha256    {meta.sha256[:16]}…")
    metrics = Table("metric", "value", title="metrics")
    for key, value in meta.metrics.items():
        metrics.add_row(key, format_metric(key, value))
    console.print(metrics)
    console.print(f"features ({len(meta.features)}): {', '.join(meta.features)}", markup=False)
    if report_file.is_file():
        console.print(f"report    {report_file}", markup=False)
    else:
        console.print("report    none (only models trained from a file by the lab have one)")


def _check_role(role: str, meta: ModelMeta, force: bool) -> None:
    if role not in ROLE_KINDS:
        raise InvalidInput(f"unknown role {role!r}; the engine serves {', '.join(ROLE_KINDS)}")
    if meta.kind not in ROLE_KINDS[role]:
        raise InvalidInput(
            f"{meta.name} {meta.version} is a {meta.kind} model; the {role} role serves "
            f"{' or '.join(sorted(ROLE_KINDS[role]))} models"
        )
    schema = engine_schema()
    missing = [f for f in meta.features if f not in schema]
    if missing and not force:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise InvalidInput(
            f"the engine does not compute {len(missing)} of the {len(meta.features)} "
            f"features of {meta.name} {meta.version} ({shown}): served as {role}, it would "
            "score every event with them missing. Train on the engine's features "
            "(`riskline train scorecard --world DIR`), or pass --force"
        )


@models_app.command("activate")
def activate(
    name: Annotated[str, typer.Argument(help="Model name")],
    version: Annotated[str, typer.Argument(help="e.g. v2")],
    role: Annotated[
        str | None,
        typer.Option("--as", help="Serve it in the engine's fraud, anomaly or scorecard role"),
    ] = None,
    challenger: Annotated[
        bool, typer.Option(help="Score in shadow beside the active version of NAME")
    ] = False,
    force: Annotated[
        bool, typer.Option(help="Bind --as even when the engine lacks the model's features")
    ] = False,
) -> None:
    """Make a version active (the champion of NAME), the challenger, or serve it in a role."""
    with handle_errors():
        registry = _registry()
        meta = registry.meta(name, version)
        if challenger and role is not None:
            raise InvalidInput("--challenger and --as do not combine: bind the role first")
        if challenger:
            registry.set_challenger(name, version)
            console.print(f"{name} {version} is now the challenger")
            return
        if role is not None:
            _check_role(role, meta, force)
            registry.bind_role(role, name, version)
        else:
            registry.set_active(name, version)
        roles = _serving(registry).get((name, version), [])
    state = "active" if role is None else f"bound to the {role} role"
    console.print(f"{name} {version} is now {state}")
    if roles:
        console.print(f"the engine serves it as: {', '.join(roles)}")
    else:
        console.print(
            "it serves no engine role (bind one with --as scorecard|fraud|anomaly); "
            "`riskline score` and `riskline monitor` use the active version"
        )


@models_app.command("report")
def report(
    name: Annotated[str, typer.Argument(help="Model name")],
    version: Annotated[
        str | None, typer.Argument(help="Version (default: active, else newest)")
    ] = None,
) -> None:
    """Print the path of a model version's HTML report."""
    with handle_errors():
        registry = _registry()
        version = resolve_version(registry, name, version)
        path = _report_path(registry, name, version)
        if not path.is_file():
            raise InvalidInput(
                f"{name} {version} has no report: only models trained from a file by the "
                "model lab have one"
            )
    console.print(str(path), markup=False, soft_wrap=True)
