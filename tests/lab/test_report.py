"""The model report: its tables carry the right numbers, its charts are real PNG files beside
it, and the profile monitoring reads is written with it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from riskline.lab import LabRun
from riskline.lab.profile import raw_scores
from riskline.lab.report import PROFILE, publish
from riskline.lab.tables import feature_bins, score_bands
from riskline.scoring import Scorecard
from tests.lab.html_tables import as_int, column, parse
from tests.lab.lab_runs import lab_run

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory) -> tuple[LabRun, Path]:
    run = lab_run(tmp_path_factory.mktemp("registry"))
    return run, publish(run)


def test_report_lands_in_the_model_folder_with_its_profile(card: tuple[LabRun, Path]) -> None:
    run, html = card
    assert html == run.model_dir / "report" / "index.html"
    profile = json.loads((run.model_dir / PROFILE).read_text())
    assert set(profile["features"]) == set(run.features)
    for entry in [profile["score"], *profile["features"].values()]:
        assert sum(entry["train"]) == pytest.approx(1.0)


def test_summary_counts_are_integers_and_metrics_are_on_raw_scores(
    card: tuple[LabRun, Path],
) -> None:
    run, html = card
    metrics = parse(html.read_text()).tables["metrics"]
    test = dict(zip(metrics[0], metrics[2], strict=True))
    assert as_int(test["rows"]) == run.y_test.size
    assert as_int(test["bads"]) == int(run.y_test.sum())
    assert float(test["AUC"]) == pytest.approx(roc_auc_score(run.y_test, run.raw_test), abs=1e-4)
    ap = average_precision_score(run.y_test, run.raw_test)
    assert float(test["AP"]) == pytest.approx(ap, abs=1e-4)
    gini = 2 * roc_auc_score(run.y_train, run.raw_train) - 1
    assert float(dict(zip(metrics[0], metrics[1], strict=True))["Gini"]) == pytest.approx(
        gini, abs=1e-4
    )


def test_score_bands_cover_every_test_row_riskiest_first(card: tuple[LabRun, Path]) -> None:
    run, html = card
    table = parse(html.read_text()).tables["bands-table"]
    assert sum(map(as_int, column(table, "test rows"))) == run.y_test.size
    assert sum(map(as_int, column(table, "train rows"))) == run.y_train.size
    assert sum(map(as_int, column(table, "test bads"))) == int(run.y_test.sum())
    assert column(table, "cumulative bads")[-1] == "100.0 %"
    rates = [float(c.rstrip(" %")) for c in column(table, "bad rate")]
    assert rates[0] > 2 * rates[-1]  # a scorecard's lowest points are its riskiest


def test_binning_tables_count_the_training_rows_and_show_the_model_points(
    card: tuple[LabRun, Path],
) -> None:
    run, html = card
    tables = parse(html.read_text()).tables
    assert isinstance(run.model, Scorecard)
    for i, name in enumerate(run.features):
        table = tables[f"bins-{i}"]
        assert sum(map(as_int, column(table, "count"))) == run.y_train.size
        assert sum(map(as_int, column(table, "bads"))) == int(run.y_train.sum())
        points = [p.points for p in run.model.points_table() if p.variable == name]
        assert [float(c) for c in column(table, "points")] == pytest.approx(points, abs=0.051)
    rows = tables["points-table"]
    assert len(rows) - 1 == len(run.model.points_table())


def test_report_bins_put_every_row_where_the_scorecard_does(card: tuple[LabRun, Path]) -> None:
    run, _ = card
    assert isinstance(run.model, Scorecard)
    assert run.x_train["housing"].null_count() > 0 and run.x_train["income"].null_count() > 0
    for name in run.features:
        col = run.x_test[name]
        ours = feature_bins(run, name).bins.index(col)
        assert ours.tolist() == run.model.bins_[name].bin_index(col.to_numpy()).tolist(), name


def test_feature_selection_names_kept_and_dropped_columns(card: tuple[LabRun, Path]) -> None:
    run, html = card
    table = parse(html.read_text()).tables["selection-table"]
    status = dict(zip(column(table, "feature"), column(table, "status"), strict=True))
    assert status["id"] == "id-like: unique on every row"
    assert all(status[f] == "kept" for f in run.features)
    iv = dict(zip(column(table, "feature"), column(table, "IV"), strict=True))
    assert isinstance(run.model, Scorecard)
    assert float(iv["age"]) == pytest.approx(run.model.iv_["age"], abs=1e-4)
    missing = dict(zip(column(table, "feature"), column(table, "missing"), strict=True))
    share = run.x_train["income"].null_count() / run.x_train.height
    assert missing["income"] == f"{100 * share:.1f} %"
    assert missing["age"] == "0.0 %"


def test_every_chart_is_a_png_beside_the_page_and_nothing_is_external(
    card: tuple[LabRun, Path],
) -> None:
    import matplotlib.image as mpimg

    _, html = card
    page = parse(html.read_text())
    assert len(page.images) >= 5 + 4  # roc, ks, gain, lift, score; a chart per feature
    for src in page.images:
        path = html.parent / src
        assert "/" not in src and path.read_bytes().startswith(PNG), src
        assert mpimg.imread(path).shape[0] > 100
    assert "script" not in page.tags and "link" not in page.tags
    assert all(link.startswith("#") for link in page.links)


def test_psi_is_zero_on_the_same_data_and_large_on_a_shifted_copy(
    card: tuple[LabRun, Path],
) -> None:
    run, _ = card
    same = dataclasses.replace(run, x_test=run.x_train, y_test=run.y_train, raw_test=run.raw_train)
    assert feature_bins(same, "utilization").csi == pytest.approx(0.0, abs=1e-12)
    _, bands = score_bands(same)
    assert sum(b.test for b in bands) == run.y_train.size
    assert all(b.train == b.test for b in bands)
    shifted_x = run.x_test.with_columns(utilization=run.x_test["utilization"] + 0.5)
    shifted = dataclasses.replace(run, x_test=shifted_x, raw_test=raw_scores(run.model, shifted_x))
    assert feature_bins(shifted, "utilization").csi > 0.25
    assert feature_bins(shifted, "age").csi < 0.1
    _, moved = score_bands(shifted)
    low = sum(b.test_share for b in moved[:3])
    assert low > 2 * sum(b.train_share for b in moved[:3])  # more rows in the riskiest bands


def test_lightgbm_report_shows_importance_and_deciles(tmp_path: Path) -> None:
    run = lab_run(tmp_path, "lightgbm")
    html = publish(run)
    tables = parse(html.read_text()).tables
    importance = tables["importance-table"]
    shares = [float(c.rstrip(" %")) for c in column(importance, "share of split gain")]
    assert sum(shares) == pytest.approx(100.0, abs=0.3)
    assert column(importance, "feature")[0] == "utilization"  # the strongest driver
    assert "points-table" not in tables
    utilization = tables[f"bins-{run.features.index('utilization')}"]
    assert sum(map(as_int, column(utilization, "count"))) == run.y_train.size
    assert len(utilization) - 1 == 10 + 1  # deciles and the missing bin
    table = tables["bands-table"]
    rates = [float(c.rstrip(" %")) for c in column(table, "bad rate")]
    assert rates[0] > 2 * rates[-1]  # a margin's highest band is its riskiest
    assert np.all(np.diff([float(c.rstrip(" %")) for c in column(table, "cumulative bads")]) >= 0)


def test_columns_the_lab_drops_are_listed_with_their_reason(
    card: tuple[LabRun, Path], tmp_path: Path
) -> None:
    import datetime as dt

    import polars as pl

    from riskline.lab import Dropped

    run, _ = card

    def odd(x: pl.DataFrame) -> pl.DataFrame:
        n = x.height
        return x.with_columns(
            empty=pl.lit(None, dtype=pl.Float64),
            constant=pl.lit(3),
            customer=pl.Series([f"c{i}" for i in range(n)]),
            flag=pl.Series([i % 3 == 0 for i in range(n)]),
            opened=pl.Series([dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(n)]),
        )

    reasons = {
        "empty": "empty in the training slice",
        "constant": "constant",
        "customer": "id-like: unique on every row",
        "flag": "excluded (--exclude)",
        "opened": "excluded (--exclude)",
    }
    wide = dataclasses.replace(
        run,
        x_train=odd(run.x_train),
        x_test=odd(run.x_test),
        dropped=(*run.dropped, *(Dropped(c, r) for c, r in reasons.items())),
        model_dir=tmp_path / "v1",
    )
    table = parse(publish(wide).read_text()).tables["selection-table"]
    status = dict(zip(column(table, "feature"), column(table, "status"), strict=True))
    assert {c: status[c] for c in reasons} == reasons
    missing = dict(zip(column(table, "feature"), column(table, "missing"), strict=True))
    assert missing["empty"] == "100.0 %" and missing["constant"] == "0.0 %"
    profile = json.loads((tmp_path / "v1" / PROFILE).read_text())
    assert set(profile["features"]) == set(run.features)  # dropped columns are not monitored
