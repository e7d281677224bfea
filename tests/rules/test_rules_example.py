"""The shipped example rule set type-checks against the real catalog and runs on batch output."""

from __future__ import annotations

import numpy as np
import polars as pl

from riskline.bench.synth import generate_history
from riskline.decisioning.engine import signal_schema
from riskline.features.batch import compute_batch
from riskline.features.default import default_catalog
from riskline.graph.features import SCHEMA as GRAPH_SCHEMA
from riskline.rules import EXAMPLE_RULESET, Mode, backtest, load_ruleset


def test_example_rules_load_against_the_engines_schema() -> None:
    """Everything the engine lets a rule read: catalog, graph, event and line context."""
    schema = signal_schema(default_catalog().schema(), GRAPH_SCHEMA)
    rs = load_ruleset(EXAMPLE_RULESET, schema)
    assert len(rs.rules) >= 10
    assert any(r.mode is Mode.SHADOW for r in rs.rules)
    assert all(r.reason_code and r.text_key for r in rs.rules)


def test_example_rules_backtest_on_feature_engine_batch_output() -> None:
    schema = signal_schema(default_catalog().schema(), GRAPH_SCHEMA)
    rs = load_ruleset(EXAMPLE_RULESET, schema)
    frame = compute_batch(default_catalog(), generate_history(300, seed=3))
    labels = np.random.default_rng(0).integers(0, 2, frame.height)
    frame = frame.with_columns(label=pl.Series(labels))
    fast = backtest(rs, frame, "label")
    slow = backtest(rs, frame, "label", vectorise=False)
    assert fast.rules == slow.rules
    assert fast.candidate == slow.candidate
    engine_only = set(GRAPH_SCHEMA) | {f for f in schema if f.split(".")[0] in ("event", "line")}
    assert set(fast.missing_columns) == engine_only & {f for r in rs.rules for f in r.when.features}
    assert sum(r.hits for r in fast.rules) > 0, "some rule should fire on the synthetic history"
