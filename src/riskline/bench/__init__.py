"""Benchmarks: measured figures, each next to a baseline run in the same process."""

from riskline.bench.common import machine, percentiles, sample_events
from riskline.bench.engine import bench_engine
from riskline.bench.http import bench_http

__all__ = ["bench_engine", "bench_http", "machine", "percentiles", "sample_events"]
