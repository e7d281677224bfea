"""``riskline score``: score a file with a registered credit model, with reason codes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import polars as pl
import typer
from numpy.typing import NDArray

from riskline.cli.base import app, console, handle_errors, load_settings
from riskline.cli.train import Encoding, Sep, Sheet
from riskline.errors import InvalidInput

if TYPE_CHECKING:
    from riskline.scoring import ModelRegistry

__all__ = ["reason_columns", "score"]


def reason_columns(
    names: list[str], cost: NDArray[np.float64], top: int = 3
) -> dict[str, list[str | None]]:
    """``reason_1..top``: per row, the features with the largest positive ``cost``, largest
    first (``None`` when fewer features cost anything).

    >>> reason_columns(["a", "b", "c"], np.array([[0.0, 5.0, 2.0], [1.0, 0.0, 0.0]]), top=2)
    {'reason_1': ['b', 'a'], 'reason_2': ['c', None]}
    """
    order = np.argsort(-cost, axis=1, kind="stable")
    out: dict[str, list[str | None]] = {}
    for k in range(top):
        col: list[str | None] = []
        for i in range(cost.shape[0]):
            j = int(order[i, k]) if k < cost.shape[1] else -1
            col.append(names[j] if j >= 0 and cost[i, j] > 0 else None)
        out[f"reason_{k + 1}"] = col
    return out


def _version(registry: ModelRegistry, name: str, version: str | None) -> str:
    from riskline.scoring import ModelNotFound

    if version:
        return version
    try:
        return registry.active(name)
    except ModelNotFound:
        found = registry.versions(name)
        if not found:
            raise ModelNotFound(
                f"no model named {name!r} in {registry.root}; train one first "
                "(`riskline train scorecard FILE --target COL`)"
            ) from None
        return found[-1]


def _scored(model: object, x: pl.DataFrame, top: int) -> pl.DataFrame:
    from riskline.scoring import GbdtModel, Scorecard
    from riskline.scoring.train import feature_matrix

    if isinstance(model, Scorecard):
        points = model.feature_points(x)
        best = model.best_points()
        names = list(points)
        cost = np.column_stack([best[n] - points[n] for n in names])
        cols: dict[str, object] = {
            "score": model.score(x),
            "probability": model.predict_proba(x),
            **{f"points_{n}": points[n] for n in names},
            **reason_columns(names, cost, top),
        }
        return pl.DataFrame(cols)
    if isinstance(model, GbdtModel):
        m = feature_matrix(x, model.features_, model.category_codes_)
        contrib = model.contributions_many(m)[:, :-1]
        return pl.DataFrame(
            {
                "score": model.margin(m),
                "probability": model.predict_proba(m),
                **reason_columns(list(model.features_), contrib, top),
            }
        )
    raise InvalidInput(f"riskline score reads scorecards and LightGBM models, not {type(model)}")


@app.command("score")
def score(
    model: Annotated[str, typer.Argument(help="Registered model name, e.g. scorecard")],
    data: Annotated[Path, typer.Argument(help="CSV/TSV/Parquet/Excel/zip to score")],
    out: Annotated[Path, typer.Option("--out", help="Where to write scores (.csv/.parquet)")],
    version: Annotated[
        str | None, typer.Option(help="Version (default: the active one, else the newest)")
    ] = None,
    top: Annotated[int, typer.Option(help="Reason codes per row")] = 3,
    sep: Sep = None,
    encoding: Encoding = None,
    sheet: Sheet = None,
) -> None:
    """Score, probability of bad, points per feature (scorecards) and the top reason codes.

    Scorecard: ``score`` is points (higher = safer) and the reasons are the features costing the
    most points against their best bin. LightGBM: ``score`` is the margin (higher = riskier)
    and the reasons are the largest positive SHAP contributions.
    """
    from riskline.lab.prepare import features_for_scoring
    from riskline.lab.tabular import read_table
    from riskline.scoring import ModelRegistry

    with handle_errors():
        registry = ModelRegistry(load_settings().model_dir)
        chosen = _version(registry, model, version)
        loaded, meta = registry.load(model, chosen)
        df = read_table(data, sep=sep, encoding=encoding, sheet=sheet)
        scored = pl.concat(
            [df, _scored(loaded, features_for_scoring(df, meta), top)], how="horizontal"
        )
        if out.suffix.lower() in (".parquet", ".pq"):
            scored.write_parquet(out)
        else:
            scored.write_csv(out)
    console.print(f"scored {df.height} rows with {model} {chosen} -> {out}", markup=False)
