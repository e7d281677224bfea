"""``riskline train``: a credit scorecard or a fraud model from a world or your own history."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from riskline.cli.base import app, console, handle_errors, load_settings
from riskline.errors import InvalidInput

if TYPE_CHECKING:
    from riskline.lab import LabRun

__all__ = ["train_app", "train_credit", "train_scorecard"]

train_app = typer.Typer(
    help="Train models into the registry (RISKLINE_MODEL_DIR).", no_args_is_help=True
)
app.add_typer(train_app, name="train")


def _mapping(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        theirs, sep, ours = pair.partition("=")
        if not sep or not theirs or not ours:
            raise InvalidInput(f"--map takes THEIR_COLUMN=OUR_NAME, got {pair!r}")
        out[theirs] = ours
    return out


def _from_history(
    data: Path,
    target: str,
    time_col: str | None,
    features: str | None,
    mapping: list[str],
    kind: str,
) -> None:
    """Train on a file; without a time column the file's row order is the time order."""
    from riskline.scoring import ModelRegistry, read_history, train_from_frame

    df = read_history(data, _mapping(mapping))
    if time_col is None:
        df, time_col = df.with_row_index("__row"), "__row"
    cols = (
        [c.strip() for c in features.split(",")]
        if features
        else [c for c in df.columns if c not in (target, time_col)]
    )
    result = train_from_frame(df, target, time_col, cols, kind=kind)
    registry = ModelRegistry(load_settings().model_dir)
    name = "scorecard" if kind == "scorecard" else "fraud"
    meta = registry.register(
        name,
        result.model,
        kind=kind,
        features=result.features,
        data_window=result.data_window,
        metrics=result.metrics,
    )
    _print_metrics(
        f"{name} {meta.version} (not activated: `riskline train activate`)", result.metrics
    )


_COUNTS = ("n", "positives", "n_train", "n_test", "bad_train", "bad_test", "rows")


def _print_metrics(title: str, metrics: Mapping[str, float]) -> None:
    """Metrics as a table; counts (n, positives, rows, bads) as integers."""
    table = Table("metric", "value", title=title)
    for k, v in metrics.items():
        shown = f"{int(v)}" if k in _COUNTS or k.startswith(("n_", "bad_")) else f"{v:.4f}"
        table.add_row(k, shown if isinstance(v, float | int) else str(v))
    console.print(table)


Sep = Annotated[
    str | None, typer.Option("--sep", help="Delimiter: , ; | or tab (default: sniffed)")
]
Encoding = Annotated[
    str | None, typer.Option(help="File encoding (default: sniffed utf-8 / gb18030 / latin-1)")
]
Sheet = Annotated[str | None, typer.Option(help="Excel sheet name (default: the first)")]
Target = Annotated[str | None, typer.Option(help="Target column of DATA")]
Bad = Annotated[
    str | None,
    typer.Option(help="Target value meaning bad (default: 1/true/bad/yes/default when clear)"),
]
Categorical = Annotated[
    str | None, typer.Option(help="Comma-separated columns to treat as categories (text: auto)")
]
Exclude = Annotated[str | None, typer.Option(help="Comma-separated columns to leave out")]
TimeCol = Annotated[str | None, typer.Option("--time", help="Time column of DATA")]
TimeFormat = Annotated[
    str | None, typer.Option(help="strptime format of --time, e.g. %b-%Y for Sep-2016")
]
Special = Annotated[
    str | None, typer.Option(help="Special codes with their own bin, e.g. -7,-8,-9")
]
SplitOpt = Annotated[
    str | None,
    typer.Option("--split", help="time | stratified | random (default: time with --time)"),
]
Seed = Annotated[int, typer.Option(help="Seed of the stratified or random split")]
TestSize = Annotated[float, typer.Option(help="Share of rows in the test slice")]
TestFile = Annotated[Path | None, typer.Option("--test", help="A separate test file")]
Features = Annotated[str | None, typer.Option(help="Comma-separated columns of DATA")]
Mapping_ = Annotated[list[str] | None, typer.Option("--map", help="THEIR_COLUMN=OUR_NAME")]
Pdo = Annotated[float, typer.Option(help="Points to double the odds")]
BaseScore = Annotated[float, typer.Option(help="Score at --base-odds")]
BaseOdds = Annotated[float, typer.Option(help="Good:bad odds at --base-score")]
Name = Annotated[str | None, typer.Option(help="Registry name of the model")]


def _columns(text: str | None) -> tuple[str, ...]:
    return tuple(c.strip() for c in (text or "").split(",") if c.strip())


def _codes(text: str | None) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in _columns(text))
    except ValueError:
        raise InvalidInput(f"--special takes numbers separated by commas, got {text!r}") from None


def _lab(data: Path, opts: dict[str, Any], algo: str, monotone: str | None = None) -> None:
    """Read DATA (and --test), train through the lab, print what a risk analyst needs."""
    from riskline.lab.prepare import PrepareSpec
    from riskline.lab.tabular import read_table
    from riskline.lab.train import LabOptions, parse_monotone, run_lab
    from riskline.scoring import ModelRegistry, PointsScale

    if opts["test"] and opts["split"]:
        raise InvalidInput("--test FILE is the test slice: leave out --split")
    read = {"sep": opts["sep"], "encoding": opts["encoding"], "sheet": opts["sheet"]}
    mapping = _mapping(opts["mapping"] or [])
    df = read_table(data, **read).rename(mapping) if mapping else read_table(data, **read)
    test_df = read_table(opts["test"], **read) if opts["test"] else None
    if test_df is not None and mapping:
        test_df = test_df.rename(mapping)
    spec = PrepareSpec(
        target=opts["target"],
        bad=opts["bad"],
        categorical=_columns(opts["categorical"]),
        exclude=_columns(opts["exclude"]),
        time_col=opts["time_col"],
        time_format=opts["time_format"],
        special_codes=_codes(opts["special"]),
        features=_columns(opts["features"]),
    )
    options = LabOptions(
        spec,
        algo=algo,
        split=opts["split"],
        seed=opts["seed"],
        test_size=opts["test_size"],
        scale=PointsScale(opts["base_score"], opts["base_odds"], opts["pdo"]),
        monotone=parse_monotone(monotone),
        name=opts["name"],
    )
    registry = ModelRegistry(load_settings().model_dir)
    run = run_lab(
        df, options, registry, source=str(data), test_df=test_df, test_name=str(opts["test"])
    )
    _print_run(run, data, df.height, df.width)
    _after_training(run)


def _after_training(run: LabRun) -> None:
    """Write the model's report (HTML with PNG charts) and its monitoring profile beside it."""
    from riskline.lab.report import publish

    say(f"report: {publish(run)}")


def say(text: str) -> None:
    """Print plain text (no rich markup: column names may hold brackets)."""
    console.print(text, markup=False, highlight=False)


def _print_run(run: LabRun, data: Path, rows: int, cols: int) -> None:
    say(f"{run.name} {run.version} saved in {run.model_dir} (not active)")
    say(f"read {data.name}: {rows} rows, {cols} columns")
    say(run.target_note)
    say(f"split: {run.split}")
    kept = Table(
        "feature", "IV" if run.iv else "kind", title=f"kept features ({len(run.features)})"
    )
    for f in run.features:
        kind = "categorical" if f in run.categorical else "numeric"
        kept.add_row(escape(f), f"{run.iv[f]:.4f}" if run.iv else kind)
    console.print(kept)
    if run.dropped:
        gone = Table("column", "reason", title=f"dropped columns ({len(run.dropped)})")
        for d in run.dropped:
            gone.add_row(escape(d.column or "''"), escape(d.reason))
        console.print(gone)
    raw = "log-odds" if run.kind == "scorecard" else "booster margin"
    shown = {k: v for k, v in run.metrics.items() if k != "brier"}
    _print_metrics(f"test metrics on raw scores ({raw})", shown)
    cal = Table(
        "decile",
        "rows",
        "predicted bad rate",
        "observed bad rate",
        title=f"calibration on the test slice (Brier {run.metrics['brier']:.4f})",
    )
    for b in run.calibration:
        cal.add_row(str(b.decile), str(b.count), f"{b.predicted:.4f}", f"{b.observed:.4f}")
    console.print(cal)
    say("next:")
    say(f"  riskline score {run.name} {data} --out scored.csv --version {run.version}")
    if run.kind == "scorecard":
        say(f"  riskline models activate {run.name} {run.version} --as scorecard")
    else:  # the engine's credit-score role takes points from a scorecard
        say(f"  riskline models activate {run.name} {run.version}")


def _lab_opts(**kw: Any) -> dict[str, Any]:
    if kw["target"] is None:
        raise InvalidInput("give --target COLUMN (the column saying good or bad)")
    return kw


@train_app.command("scorecard")
def train_scorecard(
    data: Annotated[
        Path | None, typer.Argument(help="CSV/TSV/Parquet/Excel/zip (or use --world)")
    ] = None,
    world: Annotated[
        Path | None, typer.Option(help="A world folder: target = 30+ days overdue")
    ] = None,
    target: Target = None,
    bad: Bad = None,
    categorical: Categorical = None,
    exclude: Exclude = None,
    time_col: TimeCol = None,
    time_format: TimeFormat = None,
    special: Special = None,
    split: SplitOpt = None,
    seed: Seed = 42,
    test_size: TestSize = 0.3,
    test: TestFile = None,
    sep: Sep = None,
    encoding: Encoding = None,
    sheet: Sheet = None,
    features: Features = None,
    mapping: Mapping_ = None,
    pdo: Pdo = 20.0,
    base_score: BaseScore = 600.0,
    base_odds: BaseOdds = 50.0,
    name: Name = None,
) -> None:
    """WOE scorecard (optbinning + logistic regression -> points) on any credit file.

    Reads the file as it is (delimiter, encoding sniffed), drops empty, constant and id-like
    columns with a note, splits (stratified 30 % test, seed 42, unless --time or --split),
    prints the kept features with IV, the dropped ones, AUC/KS/Gini on raw scores.
    With --world it is trained on the engine's own features and activated.
    """
    from riskline.scoring import ModelRegistry
    from riskline.sim import load_world
    from riskline.training import credit_frame, train_scorecard_on_world

    with handle_errors():
        if world is not None:
            frame = credit_frame(load_world(world).events())
            trained = train_scorecard_on_world(frame, ModelRegistry(load_settings().model_dir))
            _print_metrics(f"scorecard {trained.version} (active)", trained.metrics)
            return
        if data is None:
            raise InvalidInput("give --world DIR, or DATA with --target")
        opts = _lab_opts(**{k: v for k, v in locals().items() if k not in ("data", "world")})
        _lab(data, opts, "scorecard")


@train_app.command("credit")
def train_credit(
    data: Annotated[Path, typer.Argument(help="CSV/TSV/Parquet/Excel/zip credit history")],
    algo: Annotated[str, typer.Option(help="lightgbm | scorecard")] = "lightgbm",
    monotone: Annotated[
        str | None, typer.Option(help="LightGBM monotone constraints: col:+1,col2:-1")
    ] = None,
    target: Target = None,
    bad: Bad = None,
    categorical: Categorical = None,
    exclude: Exclude = None,
    time_col: TimeCol = None,
    time_format: TimeFormat = None,
    special: Special = None,
    split: SplitOpt = None,
    seed: Seed = 42,
    test_size: TestSize = 0.3,
    test: TestFile = None,
    sep: Sep = None,
    encoding: Encoding = None,
    sheet: Sheet = None,
    features: Features = None,
    mapping: Mapping_ = None,
    pdo: Pdo = 20.0,
    base_score: BaseScore = 600.0,
    base_odds: BaseOdds = 50.0,
    name: Name = None,
) -> None:
    """Credit model: LightGBM (registered as credit-lightgbm) or a scorecard, on any file.

    Metrics on raw scores (the booster's margin), calibration (Brier, by decile) apart.
    """
    with handle_errors():
        if monotone and algo != "lightgbm":
            raise InvalidInput("--monotone applies to --algo lightgbm")
        skip = ("data", "algo", "monotone")
        opts = _lab_opts(**{k: v for k, v in locals().items() if k not in skip})
        _lab(data, opts, algo, monotone)


@train_app.command("activate")
def activate(
    name: Annotated[str, typer.Argument(help="fraud | anomaly | scorecard")],
    version: Annotated[str, typer.Argument(help="e.g. v2")],
    challenger: Annotated[
        bool, typer.Option(help="Score in shadow beside the active version")
    ] = False,
) -> None:
    """Make a registered version active (or the shadow challenger)."""
    from riskline.scoring import ModelRegistry

    with handle_errors():
        registry = ModelRegistry(load_settings().model_dir)
        registry.meta(name, version)
        if challenger:
            registry.set_challenger(name, version)
        else:
            registry.set_active(name, version)
    console.print(f"{name} {version} is now {'the challenger' if challenger else 'active'}")
