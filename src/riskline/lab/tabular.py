"""A user's table as downloaded: CSV/TSV/;/| (delimiter and encoding sniffed), Parquet, Excel,
or a zip of one. The reading lives in ``riskline.scoring.tabular`` so that ``read_history``
(``riskline train fraud``) reads files the same way without importing the lab."""

from __future__ import annotations

from riskline.scoring.tabular import read_table, sniff_delimiter, sniff_encoding

__all__ = ["read_table", "sniff_delimiter", "sniff_encoding"]
