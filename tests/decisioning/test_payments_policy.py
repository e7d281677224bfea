"""A payment-only deployment: a fraud model trained on catalog + delayed entity-risk features,
bound to the engine's fraud role under its own name, decides an ingested payment history with
the payments policy; labels come in from a chargeback file; the summary reports the share of
fraud and genuine payments not approved. A model reading features the engine does not serve is
refused at start."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from riskline.cli import app
from riskline.cli.core import PAYMENTS_POLICY_PATH
from riskline.config import Settings
from riskline.decisioning import Policy
from riskline.decisioning.types import decision_id_for
from riskline.errors import InvalidConfig
from riskline.events import Payment
from riskline.features import OnlineFeatures, default_catalog
from riskline.features.entity_risk_online import EntityRisk, FraudLabel
from riskline.runtime import build_runtime
from riskline.scoring import GbdtModel, ModelRegistry
from riskline.storage import SqlStore, connect
from tests.conftest import SECRET

START = datetime(2026, 6, 1, tzinfo=UTC)
DELAY = timedelta(days=7)
FEATURES = [
    "risk.payee.rate_7d",
    "risk.payee.fraud_7d",
    "risk.payee.rate_30d",
    "risk.payee.n_30d",
    "risk.payer.fraud_30d",
    "account.payments_1d",
    "account.spend_7d",
]


def _history(seed: int = 4, n: int = 800) -> list[dict[str, object]]:
    """Cards paying at terminals over 40 days; from day 8 two terminals are compromised
    (most payments there are fraud), elsewhere 1 % are. Amounts say nothing."""
    rng = np.random.default_rng(seed)
    secs = np.sort(rng.integers(0, 40 * 86_400, n))
    rows = []
    for i, s in enumerate(secs):
        terminal = int(rng.integers(0, 10))
        at = START + timedelta(seconds=int(s))
        compromised = terminal < 2 and s >= 8 * 86_400
        fraud = rng.random() < (0.85 if compromised else 0.01)
        amount = "0.00" if i % 97 == 0 else f"{rng.gamma(2.0, 30.0):.2f}"  # some card checks
        rows.append(
            {
                "tx": f"tx{i}",
                "card": f"c{int(rng.integers(0, 150))}",
                "terminal": f"t{terminal}",
                "amt": amount,
                "when": at.isoformat(),
                "fraud": int(fraud),
            }
        )
    return rows


def _training_rows(rows: list[dict[str, object]]) -> tuple[np.ndarray, np.ndarray]:
    """The features the engine serves, computed by its own online code, each label known
    ``DELAY`` after its payment (as the chargeback file below reports them)."""
    online = OnlineFeatures(default_catalog())
    risk = EntityRisk()
    pending = [
        (r["tx"], bool(r["fraud"]), datetime.fromisoformat(str(r["when"])) + DELAY) for r in rows
    ]
    x, y = [], []
    for r in rows:
        at = datetime.fromisoformat(str(r["when"]))
        while pending and pending[0][2] <= at:
            eid, fraud, known = pending.pop(0)
            risk.label(FraudLabel(str(eid), fraud, known.timestamp()))
        event = Payment(
            event_id=str(r["tx"]),
            occurred_at=at,
            account_id=str(r["card"]),
            merchant_id=str(r["terminal"]),
            amount=Decimal(str(r["amt"])),
        )
        values = {**online.process(event), **risk.observe(event)}
        x.append([values.get(f, np.nan) for f in FEATURES])
        y.append(int(r["fraud"]))  # type: ignore[call-overload]
    return np.asarray(x, dtype=float), np.asarray(y)


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.slow  # three commands on a fresh database, ~10 s on a busy machine
def test_a_history_model_served_with_the_payments_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _history()
    cut = next(
        i for i, r in enumerate(rows) if str(r["when"]) >= (START + timedelta(days=26)).isoformat()
    )
    x, y = _training_rows(rows)
    model = GbdtModel(num_boost_round=60, calibration="isotonic").fit(
        x[:cut], y[:cut], features=FEATURES
    )
    registry = ModelRegistry(tmp_path / "models")
    registry.register(
        "fraud-history",
        model,
        kind="lightgbm",
        features=FEATURES,
        data_window=("a", "b"),
        metrics={},
    )
    registry.bind_role("fraud", "fraud-history", "v1")

    db_url = f"sqlite:///{tmp_path / 'rl.db'}"
    for name, value in {
        "RISKLINE_DATABASE_URL": db_url,
        "RISKLINE_PII_SECRET": SECRET,
        "RISKLINE_MODEL_DIR": str(tmp_path / "models"),
    }.items():
        monkeypatch.setenv(name, value)
    history, chargebacks = tmp_path / "history.csv", tmp_path / "chargebacks.csv"
    _write(
        chargebacks,
        [
            {
                "tx": r["tx"],
                "fraud": "true" if r["fraud"] else "false",
                "reported_at": (datetime.fromisoformat(str(r["when"])) + DELAY).isoformat(),
            }
            for r in rows
        ],
    )
    runner = CliRunner()
    imported = runner.invoke(
        app, ["labels", "import", str(chargebacks), "--id", "tx", "--backdate"]
    )
    assert imported.exit_code == 0, imported.output
    assert f"added {len(rows)}" in imported.stdout
    # the whole history: the training period builds the engine's state, the rest is scored
    _write(history, rows)
    mapping = ["--payer", "card", "--payee", "terminal", "--amount", "amt", "--time", "when"]
    ingested = runner.invoke(
        app, ["ingest", str(history), *mapping, "--id", "tx", "--policy", "payments"]
    )
    assert ingested.exit_code == 0, ingested.output
    assert f"accepted {len(rows)}, replayed 0, rejected 0" in ingested.stdout

    store = SqlStore(connect(db_url))
    test_rows = rows[cut:]
    decisions = store.get_decisions([decision_id_for(str(r["tx"])) for r in test_rows])
    by_event = {d.event_id: d for d in decisions.values()}
    assert len(by_event) == len(test_rows)
    scores = {e: d.scores["score.fraud"] for e, d in by_event.items()}
    assert all(d.versions["model.fraud"] == "fraud-history:v1" for d in by_event.values())
    assert all(d.versions["policy"] == "2026.12-payments-1" for d in by_event.values())
    high = [e for e, s in scores.items() if s >= 0.6]  # the policy's review threshold
    assert len(high) >= 10, "the model scores payments at compromised terminals high"
    for e in high:
        assert by_event[e].outcome.value in {"review", "decline"}
        assert "MODEL_FRAUD_SCORE" in by_event[e].reason_codes
    low = [e for e, s in scores.items() if s < 0.6]
    assert all("MODEL_FRAUD_SCORE" not in by_event[e].reason_codes for e in low)
    flagged = {c for d in by_event.values() for c in d.reason_codes}
    assert {"MODEL_FRAUD_SCORE", "RISKY_PAYEE"} <= flagged
    # the model's scores rank the test period's frauds above its genuine payments
    fraud_ids = {str(r["tx"]) for r in test_rows if r["fraud"]}
    mean_fraud = np.mean([scores[e] for e in fraud_ids])
    mean_genuine = np.mean([s for e, s in scores.items() if e not in fraud_ids])
    assert mean_fraud > 0.5 > mean_genuine

    _write(tmp_path / "test.csv", test_rows)
    summary = runner.invoke(
        app,
        [
            "labels",
            "summary",
            str(tmp_path / "test.csv"),
            "--id",
            "tx",
            "--labelled-only",
            "--json",
        ],
    )
    assert summary.exit_code == 0, summary.output
    report = json.loads(summary.stdout)
    assert report["fraud"]["payments"] == len(fraud_ids)
    assert report["genuine"]["payments"] == len(test_rows) - len(fraud_ids)
    assert report["fraud"]["share_not_approved"] >= 0.5
    assert report["genuine"]["share_not_approved"] <= 0.1  # 4.7 %: genuine at compromised terminals
    assert report["labels_without_payment"] == 0


def test_a_model_needing_features_the_engine_does_not_serve_is_refused(
    tmp_path: Path, settings: Settings
) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 2))
    y = (x[:, 1] > 0.5).astype(float)
    features = ["risk.payee.rate_7d", "channel_code"]
    model = GbdtModel(num_boost_round=5).fit(x, y, features=features)
    registry = ModelRegistry(tmp_path / "models")
    registry.register(
        "fraud-history",
        model,
        kind="lightgbm",
        features=features,
        data_window=("a", "b"),
        metrics={},
    )
    registry.bind_role("fraud", "fraud-history", "v1")
    with pytest.raises(InvalidConfig, match=r"fraud-history:v1.*channel_code") as info:
        build_runtime(settings.model_copy(update={"model_dir": tmp_path / "models"}))
    assert "risk.payee" not in str(info.value)


def test_the_payments_policy_reads_only_what_the_engine_serves() -> None:
    from riskline.decisioning import signal_schema
    from riskline.features.entity_risk_online import risk_schema

    policy = Policy.from_file(PAYMENTS_POLICY_PATH).bind(signal_schema(risk_schema(), {}))
    quiet = policy.evaluate("payment", {})
    assert quiet.outcome.value == "approve" and not quiet.reasons
    compromised = policy.evaluate(
        "payment", {"risk.payee.fraud_30d": 4.0, "risk.payee.rate_30d": 0.25, "score.fraud": 0.3}
    )
    assert [r.code for r in compromised.reasons] == ["RISKY_PAYEE"]
    assert compromised.outcome.value == "review"
    unlucky = policy.evaluate("payment", {"risk.payee.fraud_30d": 1.0, "risk.payee.rate_30d": 1.0})
    assert unlucky.outcome.value == "approve"  # one fraud never condemns a terminal
