"""Benchmarks: measured figures, each next to a baseline run in the same process.

The top of the house: the benchmarks of every package (``riskline.bench.features``,
``riskline.bench.graph``, ...), their baselines (``naive_features``) and the generators of
synthetic data (``synth``, ``fingerprints``) live here, so production packages never import the
simulator or the runtime to measure themselves. Nothing but the CLI imports this package.
"""

from riskline.bench.common import machine, percentiles, sample_events
from riskline.bench.engine import bench_engine
from riskline.bench.http import bench_http

__all__ = ["bench_engine", "bench_http", "machine", "percentiles", "sample_events"]
