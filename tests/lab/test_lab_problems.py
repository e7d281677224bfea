"""Issue 19's ten problems, each on a small generated file through the CLI: now a result or a
one-line error naming the column and the fix."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.model_selection import train_test_split
from typer.testing import CliRunner, Result

from riskline.cli import app
from riskline.scoring import GbdtModel, ModelRegistry, PointsScale, Scorecard, auc
from riskline.scoring.train import feature_matrix

N = 400


@pytest.fixture
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "models"
    monkeypatch.setenv("RISKLINE_MODEL_DIR", str(root))
    return root


def credit(n: int = N, seed: int = 0) -> pl.DataFrame:
    """A credit file: two informative numeric columns, a text column, a 0/1 target."""
    rng = np.random.default_rng(seed)
    income = rng.normal(50, 15, n)
    util = rng.uniform(0, 1, n)
    housing = rng.choice(["own", "rent", "free"], n)
    logit = -0.5 - (income - 50) / 15 + 2 * (util - 0.5) + np.where(housing == "rent", 0.8, 0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pl.DataFrame({"income": income, "util": util, "housing": housing, "y": y})


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def text(result: Result) -> str:
    """Output with single spaces (rich wraps long lines at the console width)."""
    return " ".join((result.stdout + result.stderr).split())


def says(result: Result, expected: str) -> bool:
    """Whether the output holds ``expected``, whitespace and rich's line wrapping aside."""
    return "".join(expected.split()) in "".join(text(result).split())


def one_line_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    err = text(result)
    assert err.startswith("error:") and err.count("error:") == 1
    return err


def load(models: Path, name: str) -> tuple[object, dict[str, object]]:
    registry = ModelRegistry(models)
    model, meta = registry.load(name, registry.versions(name)[-1])
    return model, dict(meta.extra)


def test_1_string_target_bad_value_automatic_given_or_asked(models: Path, tmp_path: Path) -> None:
    path = tmp_path / "german.csv"
    df = credit().with_columns(
        pl.when(pl.col("y") == 1)
        .then(pl.lit("bad"))
        .otherwise(pl.lit("good"))
        .alias("creditability")
    )
    df.drop("y").write_csv(path)
    ok = run("train", "scorecard", path, "--target", "creditability")
    assert ok.exit_code == 0, ok.output
    assert says(ok, "bad = 'bad' (automatic")
    _, extra = load(models, "scorecard")
    assert extra["bad_value"] == "bad"
    coded = tmp_path / "coded.csv"
    df.with_columns(pl.col("y") + 1).drop("creditability").write_csv(coded)  # 1 good, 2 bad
    err = one_line_error(run("train", "scorecard", coded, "--target", "y"))
    assert "target 'y' has values ['1', '2']" in err and "--bad" in err
    given = run("train", "scorecard", coded, "--target", "y", "--bad", "2.0")  # same number
    assert given.exit_code == 0 and says(given, "bad = '2' (--bad")
    card, _ = load(models, "scorecard")
    assert isinstance(card, Scorecard)
    # bad = 2 means high income is safe: the income points rise with income
    pts = card.feature_points(
        pl.DataFrame({"income": [20.0, 80.0], "util": [0.5, 0.5], "housing": ["own", "own"]})
    )
    assert pts["income"][1] > pts["income"][0]
    nulls = tmp_path / "nulls.csv"
    df.with_columns(
        pl.when(pl.col("income") > 70).then(None).otherwise(pl.col("y")).alias("y")
    ).write_csv(nulls)
    err = one_line_error(run("train", "scorecard", nulls, "--target", "y"))
    assert "target 'y' has" in err and "empty value" in err
    many = tmp_path / "many.csv"
    df.with_columns((pl.col("income") // 20).alias("y")).write_csv(many)
    assert "must have two values" in one_line_error(
        run("train", "scorecard", many, "--target", "y")
    )


def test_2_text_columns_are_categorical_and_numeric_codes_with_flag(
    models: Path, tmp_path: Path
) -> None:
    path = tmp_path / "cat.csv"
    rng = np.random.default_rng(3)
    df = credit().with_columns(pl.Series("region", rng.choice([11, 22, 33, 44], N)))
    df.write_csv(path)
    result = run("train", "scorecard", path, "--target", "y", "--categorical", "region")
    assert result.exit_code == 0, result.output
    _, extra = load(models, "scorecard")
    assert set(extra["categorical"]) == {"housing", "region"}  # type: ignore[arg-type]
    card, _ = load(models, "scorecard")
    assert isinstance(card, Scorecard) and card.bins_["housing"].kind == "categorical"
    lgbm = run("train", "credit", path, "--target", "y", "--algo", "lightgbm")
    assert lgbm.exit_code == 0, lgbm.output
    missing = one_line_error(
        run("train", "scorecard", path, "--target", "y", "--categorical", "nope")
    )
    assert "['nope']" in missing


def test_3_tab_semicolon_and_a_clear_delimiter_error(models: Path, tmp_path: Path) -> None:
    tsv = tmp_path / "homecredit_raw.csv"
    credit().write_csv(tsv, separator="\t")
    assert run("train", "scorecard", tsv, "--target", "y").exit_code == 0
    semi = tmp_path / "semi.csv"
    credit().write_csv(semi, separator=";")
    assert run("train", "scorecard", semi, "--target", "y").exit_code == 0
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,y\n1,2,0\n3,4,1,5,6\n")
    err = one_line_error(run("train", "scorecard", ragged, "--target", "y"))
    assert "delimiter comma ','" in err and "--sep" in err
    err = one_line_error(run("train", "scorecard", tsv, "--target", "y", "--sep", ";"))
    assert "semicolon" in err and "--sep" in err


def test_4_column_empty_in_the_training_slice_is_dropped_not_a_traceback(
    models: Path, tmp_path: Path
) -> None:
    path = tmp_path / "late.csv"
    df = (
        credit()
        .with_row_index("month")
        .with_columns(
            pl.when(pl.col("month") >= 300).then(pl.col("util")).otherwise(None).alias("new_field"),
            pl.when(pl.col("month") >= 300)
            .then(pl.col("util"))
            .otherwise(pl.when(pl.col("month") % 2 == 0).then(-9.0).otherwise(-8.0))
            .alias("coded"),
        )
    )
    df.write_csv(path)
    result = run(
        "train", "scorecard", path, "--target", "y", "--time", "month", "--special", "-9,-8"
    )
    assert result.exit_code == 0, result.output
    assert says(result, "new_field │ empty in the training slice")
    # only special codes in training: optbinning's "Found array with 0 sample(s)", now a note
    assert says(result, "coded │ cannot be binned in the training slice: column 'coded'")


def test_5_month_year_time_sorts_by_date_and_text_times_refused(
    models: Path, tmp_path: Path
) -> None:
    months = [f"{m}-{y}" for y in (2015, 2016) for m in ("Jan", "May", "Sep", "Nov")]
    df = credit(800).with_columns(pl.Series("issue_d", [months[i * 8 // 800] for i in range(800)]))
    df = df.with_columns(pl.Series("earliest_cr_line", ["Aug-2001", "Jan-1990"] * 400))
    df = df.sample(fraction=1.0, shuffle=True, seed=1)  # file order is no time order
    path = tmp_path / "lc.csv"
    df.write_csv(path)
    result = run(
        "train", "scorecard", path, "--target", "y", "--time", "issue_d", "--test-size", "0.25"
    )
    assert result.exit_code == 0, result.output
    # as text the newest quarter would be Sep-2015 and Sep-2016
    assert says(result, "newest 25 % by 'issue_d' as test (2016-09-01 to 2016-11-01)")
    _, extra = load(models, "scorecard")
    assert extra["time_format"] == "%b-%Y"
    assert says(result, "earliest_cr_line │ a date (give it with --time")
    odd = tmp_path / "odd.csv"
    df.with_columns(pl.lit("week 3").alias("issue_d")).write_csv(odd)
    err = one_line_error(run("train", "scorecard", odd, "--target", "y", "--time", "issue_d"))
    assert "time column 'issue_d'" in err and "--time-format" in err
    err = one_line_error(
        run(
            "train",
            "scorecard",
            path,
            "--target",
            "y",
            "--time",
            "issue_d",
            "--time-format",
            "%Y-%m",
        )
    )
    assert "do not match --time-format '%Y-%m'" in err


def test_6_split_default_stated_and_stratified_reproducible(models: Path, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    df = credit()
    df.write_csv(path)
    default = run("train", "scorecard", path, "--target", "y")
    assert says(default, "split: stratified: test 30 %, seed 42")
    args = ("--split", "stratified", "--seed", "7", "--test-size", "0.25")
    assert run("train", "credit", path, "--target", "y", *args).exit_code == 0
    model, _ = load(models, "credit-lightgbm")
    assert isinstance(model, GbdtModel)
    y = df["y"].to_numpy()
    _, test_rows = train_test_split(np.arange(N), test_size=0.25, random_state=7, stratify=y)
    meta = ModelRegistry(models).meta("credit-lightgbm", "v1")
    x = feature_matrix(df[test_rows], model.features_, model.category_codes_)
    assert meta.metrics["auc"] == pytest.approx(auc(y[test_rows], model.margin(x)), abs=1e-12)
    assert meta.metrics["n_test"] == 100


def test_6_random_split_test_file_and_time_without_column(models: Path, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    credit().write_csv(path)
    rnd = run("train", "scorecard", path, "--target", "y", "--split", "random", "--seed", "3")
    assert says(rnd, "split: random: test 30 %, seed 3")
    test_path = tmp_path / "later.csv"
    credit(200, seed=9).write_csv(test_path)
    own = run("train", "scorecard", path, "--target", "y", "--test", test_path)
    assert own.exit_code == 0 and says(own, "split: test file")
    assert ModelRegistry(models).meta("scorecard", "v2").metrics["n_test"] == 200
    both = run(
        "train", "scorecard", path, "--target", "y", "--test", test_path, "--split", "random"
    )
    assert "--test FILE is the test slice" in one_line_error(both)
    err = one_line_error(run("train", "scorecard", path, "--target", "y", "--split", "time"))
    assert "--split time needs --time" in err


def test_7_ids_index_constant_and_excluded_columns_dropped_with_notes(
    models: Path, tmp_path: Path
) -> None:
    path = tmp_path / "pandas.csv"
    df = (
        credit()
        .with_row_index("")
        .with_columns(
            pl.format("C{}", pl.int_range(N)).alias("customer_id"),
            pl.lit("GB").alias("country"),
            pl.col("y").alias("leak"),
            pl.format("{}%", (pl.col("util") * 30).round(1)).alias("int_rate"),
            pl.format("note {}", pl.int_range(N) * 3 // 4).alias("desc"),
        )
    )
    df.write_csv(path)
    result = run("train", "scorecard", path, "--target", "y", "--exclude", "leak")
    assert result.exit_code == 0, result.output
    for line in ("'' │ index", "customer_id │ id-like", "country │ constant", "leak │ excluded"):
        assert says(result, line)
    card, _ = load(models, "scorecard")
    assert isinstance(card, Scorecard)
    assert not {"", "customer_id", "country", "leak"} & set(card.features)
    assert says(result, "desc │ free text or an id: 300 distinct values in 400 rows")
    assert card.bins_["int_rate"].kind == "numeric"  # "13.5%" read as a number


def test_8_output_names_the_model_folder_features_iv_and_integer_counts(
    models: Path, tmp_path: Path
) -> None:
    path = tmp_path / "c.csv"
    credit().with_columns(pl.lit(1.0).alias("flat")).write_csv(path)
    scale = ("--pdo", "40", "--base-score", "700", "--base-odds", "20")
    result = run("train", "scorecard", path, "--target", "y", *scale)
    out = text(result)
    assert says(result, f"scorecard v1 saved in {models / 'scorecard' / 'v1'}")
    assert (models / "scorecard" / "v1" / "artifact.pkl").is_file()
    card = pickle.loads((models / "scorecard" / "v1" / "artifact.pkl").read_bytes())
    assert card.scale == PointsScale(base_score=700, base_odds=20, pdo=40)
    assert says(result, f"income │ {card.iv_['income']:.4f}")
    assert says(result, "n_test │ 120 │") and "120.0000" not in out
    assert says(result, "flat │ constant")
    assert "riskline score scorecard" in out and "riskline models activate scorecard v1" in out


def test_9_special_codes_get_their_own_bin(models: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    df = credit(600)
    # -7 marks "no record": a riskier group than any real value
    coded = np.where(rng.random(600) < 0.15, -7.0, df["util"].to_numpy())
    y = np.where(coded == -7.0, (rng.random(600) < 0.8).astype(int), df["y"].to_numpy())
    path = tmp_path / "heloc.csv"
    df.with_columns(pl.Series("util", coded), pl.Series("y", y)).write_csv(path)
    assert run("train", "scorecard", path, "--target", "y", "--special", "-7,-8,-9").exit_code == 0
    card, extra = load(models, "scorecard")
    assert isinstance(card, Scorecard) and extra["special_codes"] == [-7.0, -8.0, -9.0]
    bins = card.bins_["util"]
    assert bins.labels()[-2] == "special {-7, -8, -9}"
    assert bins.bin_index([-7.0, -9.0]).tolist() == [len(bins.woe) - 2] * 2
    assert all(s > 0 for s in bins.splits)  # -7 no longer shapes the numeric cut points
    assert bins.woe[-2] < -0.5  # the special bin: mostly bad (80 % vs about 40 % overall)


def test_10_credit_lightgbm_named_for_what_it_is_auc_on_raw_margin(
    models: Path, tmp_path: Path
) -> None:
    path = tmp_path / "c.csv"
    df = credit(600)
    df.write_csv(path)
    result = run("train", "credit", path, "--target", "y", "--monotone", "income:-1")
    assert result.exit_code == 0, result.output
    assert says(result, "credit-lightgbm v1 saved in")
    assert says(result, "on raw scores (booster margin)")
    # its next step is no role the engine would refuse (the credit-score role takes scorecards)
    assert says(result, "riskline models activate credit-lightgbm v1")
    assert "--as scorecard" not in result.output
    registry = ModelRegistry(models)
    assert registry.versions("fraud") == []
    model, meta = registry.load("credit-lightgbm", "v1")
    assert isinstance(model, GbdtModel) and meta.kind == "lightgbm"
    _, test_rows = train_test_split(
        np.arange(600), test_size=0.3, random_state=42, stratify=df["y"].to_numpy()
    )
    x = feature_matrix(df[test_rows], model.features_, model.category_codes_)
    y = df["y"].to_numpy()[test_rows]
    assert meta.metrics["auc"] == pytest.approx(auc(y, model.margin(x)), abs=1e-12)
    assert meta.metrics["brier"] == pytest.approx(float(np.mean((model.predict_proba(x) - y) ** 2)))
    grid = np.column_stack([np.linspace(10, 90, 50), np.full(50, 0.5), np.zeros(50)])
    assert np.all(np.diff(model.margin(grid)) <= 1e-12)  # monotone: more income, less risk
    err = one_line_error(run("train", "credit", path, "--target", "y", "--monotone", "housing:+1"))
    assert "--monotone names ['housing']" in err
