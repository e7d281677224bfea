"""The model lab: a credit or fraud model from anyone's file, its report, its monitoring.

Beside the decision path: it reads tables (CSV, TSV, Parquet, Excel), prepares them (targets,
categoricals, dates, special codes, exclusions, splits), trains through ``riskline.scoring``,
registers in the model registry and writes the report a risk team reads.
"""

from riskline.lab.run import Dropped, LabRun

__all__ = ["Dropped", "LabRun"]
