"""``riskline monitor``: PSI of the score and CSI per feature of a new period, with a report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from riskline.cli.base import app, console, handle_errors, load_settings

if TYPE_CHECKING:
    from riskline.scoring import ModelRegistry

__all__ = ["monitor", "resolve_version"]

_STYLE = {"ok": "green", "warn": "yellow", "alert": "bold red"}


def resolve_version(registry: ModelRegistry, name: str, version: str | None) -> str:
    """``version``, else the active version of ``name``, else its newest."""
    from riskline.scoring import ModelNotFound

    if version is not None:
        registry.meta(name, version)  # must exist
        return version
    try:
        return registry.active(name)
    except ModelNotFound:
        versions = registry.versions(name)
        if not versions:
            raise ModelNotFound(
                f"no model named {name!r} in {registry.root}; `riskline models list` shows them"
            ) from None
        return versions[-1]


@app.command("monitor")
def monitor(
    model: Annotated[str, typer.Argument(help="Registered model name (riskline models list)")],
    new_file: Annotated[Path, typer.Argument(help="A new period's table (CSV, Parquet, ...)")],
    version: Annotated[
        str | None, typer.Option(help="Model version (default: active, else newest)")
    ] = None,
    warn: Annotated[float, typer.Option(help="PSI at which a line is 'warn'")] = 0.1,
    alert: Annotated[float, typer.Option(help="PSI at which a line is 'alert'")] = 0.25,
    out: Annotated[
        Path | None,
        typer.Option(help="Report folder (default: monitor/<file name> in the model's folder)"),
    ] = None,
) -> None:
    """PSI of the score and CSI of each feature of NEW_FILE against the model's training.

    Reads the profile the model's report recorded at training (bins and training shares) and
    prints one line per measure with its status: ok below --warn, warn below --alert, else
    alert. Writes an HTML report and prints its path.

    Exit code: 0 when no line is 'alert' (warnings included), 1 when any line is 'alert',
    2 on bad input (unknown model, missing column, unreadable file).
    """
    from riskline.lab.monitor import drift, load_profile, write_report
    from riskline.lab.tabular import read_table
    from riskline.scoring import ModelRegistry

    with handle_errors():
        registry = ModelRegistry(load_settings().model_dir)
        version = resolve_version(registry, model, version)
        loaded, meta = registry.load(model, version)
        model_dir = registry.root / model / version
        profile = load_profile(model_dir, meta)
        result = drift(
            loaded,
            meta,
            profile,
            read_table(new_file),
            source=new_file.name,
            warn=warn,
            alert=alert,
        )
        html = write_report(result, out or model_dir / "monitor" / new_file.stem)
    table = Table(
        "what",
        "measure",
        "value",
        "status",
        title=f"{model} {version} on {new_file.name} ({result.rows:,} rows)",
    )
    for line in result.lines:
        style = _STYLE[line.status]
        table.add_row(
            line.name, line.measure, f"{line.value:.4f}", f"[{style}]{line.status}[/{style}]"
        )
    console.print(table)
    console.print(f"report: {html}")
    if result.status == "alert":
        raise typer.Exit(1)
