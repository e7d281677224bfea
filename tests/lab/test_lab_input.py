"""Reading tables as downloaded, reproducible splits, special codes, dates, and scoring a file
with the CLI exactly as the registered model scores it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.model_selection import train_test_split
from typer.testing import CliRunner

from riskline.cli import app
from riskline.errors import InvalidInput
from riskline.lab.prepare import PrepareSpec, features_for_scoring, parse_dates, prepare
from riskline.lab.split import split_rows
from riskline.lab.tabular import read_table
from riskline.scoring import GbdtModel, ModelRegistry, Scorecard, read_history
from riskline.scoring.woe import fit_bins

FRAME = pl.DataFrame({"名字": ["张三", "李四", "王五"], "age": [30, 41, 52], "y": [0, 1, 0]})


def _xlsx(path: Path, rows: list[list[object]]) -> None:
    """A minimal .xlsx (inline strings), written by hand: no Excel writer in the project."""

    def cell(ref: str, v: object) -> str:
        if isinstance(v, str):
            return f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'
        return f'<c r="{ref}"><v>{v}</v></c>'

    body = "".join(
        f'<row r="{i + 1}">'
        + "".join(cell(f"{chr(65 + j)}{i + 1}", v) for j, v in enumerate(row))
        + "</row>"
        for i, row in enumerate(rows)
    )
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.spreadsheetml.sheet.'
            'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{ct}.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook {ns} xmlns:r="{rel}"><sheets>'
            '<sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": f"<worksheet {ns}><sheetData>{body}</sheetData></worksheet>",
    }
    with zipfile.ZipFile(path, "w") as zf:
        for name, xml in parts.items():
            zf.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + xml)


@pytest.mark.parametrize(
    ("sep", "encoding"), [("\t", "gbk"), (";", "utf-8-sig"), ("|", "utf-8"), (",", "gb18030")]
)
def test_delimiter_and_encoding_sniffed(tmp_path: Path, sep: str, encoding: str) -> None:
    path = tmp_path / "t.csv"
    text = FRAME.write_csv(separator=sep)
    path.write_bytes(text.encode(encoding))
    assert read_table(path).equals(FRAME)
    assert read_history(path, {"age": "years"}).columns == ["名字", "years", "y"]


def test_latin1_parquet_zip_and_excel(tmp_path: Path) -> None:
    latin = tmp_path / "l.csv"
    latin.write_bytes("city,y\nZürich,1\nOrléans,0\n".encode("latin-1"))
    assert read_table(latin)["city"].to_list() == ["Zürich", "Orléans"]
    pq = tmp_path / "t.parquet"
    FRAME.write_parquet(pq)
    assert read_table(pq).equals(FRAME)
    zipped = tmp_path / "cs-training.csv.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("cs-training.csv", FRAME.write_csv(separator="\t"))
    assert read_table(zipped).equals(FRAME)
    xlsx = tmp_path / "book.xlsx"
    _xlsx(xlsx, [["name", "age", "y"], ["ann", 30, 0], ["bo", 41, 1]])
    got = read_table(xlsx)
    assert got["name"].to_list() == ["ann", "bo"] and got["age"].to_list() == [30, 41]
    with pytest.raises(InvalidInput, match="sheet"):
        read_table(xlsx, sheet="nope")


def test_unreadable_files_name_the_problem(tmp_path: Path) -> None:
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as zf:
        zf.writestr("a.csv", "a,b\n1,2\n")
        zf.writestr("b.csv", "a,b\n1,2\n")
    with pytest.raises(InvalidInput, match="holds 2 files"):
        read_table(two)
    with pytest.raises(InvalidInput, match="no such file"):
        read_table(tmp_path / "missing.csv")
    csv = tmp_path / "a.csv"
    csv.write_text("a,b\n1,2\n")
    with pytest.raises(InvalidInput, match="--sep takes one character"):
        read_table(csv, sep="::")


def test_stratified_split_is_scikit_learns_train_test_split() -> None:
    y = (np.random.default_rng(4).random(503) < 0.2).astype(np.int_)
    ours = split_rows(y, "stratified", seed=11, test_size=0.3)
    tr, te = train_test_split(np.arange(503), test_size=0.3, random_state=11, stratify=y)
    assert ours.train.tolist() == tr.tolist() and ours.test.tolist() == te.tolist()
    rnd = split_rows(y, "random", seed=11, test_size=0.3)
    tr, te = train_test_split(np.arange(503), test_size=0.3, random_state=11)
    assert rnd.test.tolist() == te.tolist()
    with pytest.raises(InvalidInput, match="--test-size"):
        split_rows(y, "random", test_size=1.5)


def test_month_year_dates_sort_by_date_not_text() -> None:
    parsed = parse_dates(pl.Series("issue_d", ["Sep-2016", "Dec-2015", "Jan-2016", "Oct-2015"]))
    assert parsed is not None
    dates, fmt = parsed
    assert fmt == "%b-%Y"
    assert dates.arg_sort().to_list() == [3, 1, 2, 0]  # as text: Dec, Jan, Oct, Sep
    assert parse_dates(pl.Series(["2016/09/01", "n/a"])) is None


def test_special_codes_get_their_own_bin_as_optbinning() -> None:
    from optbinning import OptimalBinning

    rng = np.random.default_rng(2)
    x = np.where(rng.random(1000) < 0.1, rng.choice([-7.0, -8.0], 1000), rng.normal(size=1000))
    y = (rng.random(1000) < np.where(x < -5, 0.6, 1 / (1 + np.exp(-x)))).astype(np.int_)
    bins = fit_bins("x", x, y, special_codes=(-7.0, -8.0))
    ob = OptimalBinning("x", monotonic_trend="auto_asc_desc", special_codes=[-7.0, -8.0]).fit(x, y)
    np.testing.assert_allclose(bins.splits, ob.splits)
    # optbinning's own WoE of every row, the special bin's included (its default gives it 0)
    theirs = ob.transform(x, metric="woe", metric_special="empirical")
    np.testing.assert_allclose(bins.transform(x), theirs, atol=1e-9)
    assert len(set(bins.transform(x[x < -5]))) == 1  # one bin for -7 and -8
    plain = fit_bins("x", x, y)
    lowest_real = x[x > -5].min()
    # without special codes, -7 is an ordinary number sharing a bin with real low values
    assert plain.bin_index([-7.0])[0] == plain.bin_index([lowest_real])[0]
    assert bins.bin_index([-7.0])[0] != bins.bin_index([lowest_real])[0]


def test_features_for_scoring_prepares_as_training() -> None:
    df = pl.DataFrame(
        {"zone": [1, 2] * 30, "amt": [i % 25 for i in range(60)], "y": [0, 1, 1] * 20}
    )
    prep = prepare(df, PrepareSpec("y", categorical=("zone",)))
    assert prep.x.schema == {"zone": pl.String, "amt": pl.Float64}
    from riskline.scoring.registry import ModelMeta

    meta = ModelMeta(
        "m", "v1", "scorecard", ("amt", "zone"), ("", ""), {}, "", "", {"categorical": ["zone"]}
    )
    got = features_for_scoring(pl.DataFrame({"zone": [2], "amt": [5], "other": ["x"]}), meta)
    assert got.to_dicts() == [{"amt": 5.0, "zone": "2"}]
    ids = prepare(df.with_columns(pl.int_range(60).alias("loan_no")), PrepareSpec("y"))
    assert [(d.column, d.reason) for d in ids.dropped] == [
        ("loan_no", "id-like: unique on every row")
    ]


@pytest.mark.parametrize("command", [["scorecard"], ["credit", "--algo", "lightgbm"]])
def test_score_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("RISKLINE_MODEL_DIR", str(tmp_path / "models"))
    rng = np.random.default_rng(8)
    n = 500
    amt = rng.exponential(100, n)
    zone = rng.choice(["n", "s", "e"], n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(amt / 100 - 1 + (zone == "s"))))).astype(int)
    path = tmp_path / "apps.csv"
    pl.DataFrame({"amt": amt, "zone": zone, "bad": y}).write_csv(path)
    runner = CliRunner()
    trained = runner.invoke(app, ["train", *command, str(path), "--target", "bad"])
    assert trained.exit_code == 0, trained.output
    out = tmp_path / "scored.csv"
    scored = runner.invoke(app, ["score", trained.stdout.split()[0], str(path), "--out", str(out)])
    assert scored.exit_code == 0, scored.output
    got = pl.read_csv(out)
    registry = ModelRegistry(tmp_path / "models")
    name = trained.stdout.split()[0]
    model, meta = registry.load(name, "v1")
    x = features_for_scoring(pl.read_csv(path), meta)
    assert got["bad"].to_list() == y.tolist()  # the user's columns are kept, in order
    if isinstance(model, Scorecard):
        np.testing.assert_allclose(got["score"].to_numpy(), model.score(x), rtol=1e-12)
        pts = sum(got[f"points_{f}"].to_numpy() for f in model.features)
        np.testing.assert_allclose(pts + model.base_points(), got["score"].to_numpy(), rtol=1e-9)
        worst = got.sort("score").row(0, named=True)
        assert worst["reason_1"] in model.features
    else:
        assert isinstance(model, GbdtModel)
        row = {"amt": float(amt[0]), "zone": str(zone[0])}
        assert got["probability"][0] == pytest.approx(model.score_row(row), abs=1e-12)
        assert [got[f"reason_{k}"][0] for k in (1, 2)][: len(model.explain(row, 2))] == [
            c.feature for c in model.explain(row, 2)
        ]
    lacking = tmp_path / "lacking.csv"
    pl.DataFrame({"zone": zone}).write_csv(lacking)
    missing = runner.invoke(app, ["score", name, str(lacking), "--out", str(out)])
    assert missing.exit_code == 2 and "lacks column(s) ['amt']" in " ".join(missing.stderr.split())
    nothing = runner.invoke(app, ["score", "nope", str(path), "--out", str(out)])
    assert nothing.exit_code == 2 and "no model named 'nope'" in nothing.stderr
