"""Distributed batch jobs on Apache Spark (extra ``riskline[spark]``): point-in-time feature
backfill from the online definitions, portfolio re-scoring, connected components and risk
propagation over the link graph. PySpark is imported lazily, inside the jobs; importing this
package does not need it (:func:`spark_session` says what to install when it is missing).
"""

from riskline.batch.backfill import backfill
from riskline.batch.events import event_table, write_event_table
from riskline.batch.graph import components, link_table, propagate
from riskline.batch.jobs import export_world, run_backfill, run_components, run_rescore
from riskline.batch.rescore import RescorePolicy, recommend, rescore, scoring_rows
from riskline.batch.session import require_pyspark, spark_session
from riskline.batch.writeback import RESULTS, write_results

__all__ = [
    "RESULTS",
    "RescorePolicy",
    "backfill",
    "components",
    "event_table",
    "export_world",
    "link_table",
    "propagate",
    "recommend",
    "require_pyspark",
    "rescore",
    "run_backfill",
    "run_components",
    "run_rescore",
    "scoring_rows",
    "spark_session",
    "write_event_table",
    "write_results",
]
