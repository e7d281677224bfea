"""Run every public-data evaluation that has its file present and print one table.

``python -m riskline.datasets.report [DATA_DIR]`` prints the table; ``run_all`` returns it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from riskline.datasets.credit import evaluate_credit, load_give_me_some_credit, load_taiwan
from riskline.datasets.paths import DatasetMissing, data_dir
from riskline.datasets.paysim import evaluate_paysim
from riskline.datasets.result import EvalResult
from riskline.datasets.sffsd import evaluate_sffsd

__all__ = ["TARGETS", "format_table", "run_all"]

TARGETS: dict[tuple[str, str], dict[str, float]] = {
    ("S-FFSD", "lightgbm"): {"auc": 0.87},
    ("Taiwan default", "lightgbm"): {"auc": 0.78, "ks": 0.42},
    ("Give Me Some Credit", "lightgbm"): {"auc": 0.86},
}


def _taiwan(d: Path) -> list[EvalResult]:
    df, y = load_taiwan(d)
    return evaluate_credit("Taiwan default", df, y, categorical=["X2", "X3", "X4"])


def _gmsc(d: Path) -> list[EvalResult]:
    df, y = load_give_me_some_credit(d)
    return evaluate_credit("Give Me Some Credit", df, y)


RUNS: dict[str, Callable[[Path], list[EvalResult]]] = {
    "S-FFSD": lambda d: [evaluate_sffsd(d)],
    "PaySim": lambda d: [evaluate_paysim(d), evaluate_paysim(d, balances=False)],
    "Taiwan default": _taiwan,
    "Give Me Some Credit": _gmsc,
}


def _targets(result: EvalResult) -> dict[str, float]:
    kind = "lightgbm" if result.model.startswith("LightGBM") else "scorecard"
    return TARGETS.get((result.dataset, kind), {})


def run_all(directory: Path | str | None = None, *, echo: bool = True) -> dict[str, Any]:
    """Evaluate every data set found; ``{"results": [...], "skipped": {name: reason}}``."""
    d = data_dir(directory)
    results: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    for name, run in RUNS.items():
        try:
            found = run(d)
        except DatasetMissing as err:
            skipped[name] = str(err)
            continue
        for r in found:
            targets = _targets(r)
            met = all(r.metrics[k] >= v for k, v in targets.items())
            results.append({**_as_dict(r), "targets": targets, "meets_targets": met})
    report = {"data_dir": str(d), "results": results, "skipped": skipped}
    if echo:
        print(format_table(report))
    return report


def _as_dict(r: EvalResult) -> dict[str, Any]:
    return {
        "dataset": r.dataset,
        "model": r.model,
        "split": r.split,
        "metrics": dict(r.metrics),
        "n_train": r.n_train,
        "n_test": r.n_test,
        "seconds": round(r.seconds, 1),
    }


def format_table(report: dict[str, Any]) -> str:
    """A fixed-width text table of ``run_all``'s results."""
    head = f"{'data set':<20} {'model':<44} {'AUC':>6} {'KS':>6} {'R@1%':>6} {'target':>14}"
    lines = [head, "-" * len(head)]
    for r in report["results"]:
        m = r["metrics"]
        t = ", ".join(f"{k}≥{v}" for k, v in r["targets"].items())
        mark = ("ok " if r["meets_targets"] else "MISS ") + t if t else ""
        lines.append(
            f"{r['dataset']:<20} {r['model'][:44]:<44} {m['auc']:6.4f} {m['ks']:6.4f} "
            f"{m['recall_at_1pct_fpr']:6.4f} {mark:>14}"
        )
    lines += [f"skipped {name}: {why}" for name, why in report["skipped"].items()]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    run_all(sys.argv[1] if len(sys.argv) > 1 else None)
