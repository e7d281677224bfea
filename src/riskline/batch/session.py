"""A Spark session configured for Riskline's batch jobs; pyspark is imported only here, lazily.

PySpark is the optional extra ``riskline[spark]``. Executors run Python UDFs with the
interpreter named by ``PYSPARK_PYTHON``; it is set to the running interpreter (unless already
set) so the workers import the same ``riskline``. No extra jars are needed (no Maven).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from riskline.errors import Unavailable

__all__ = ["require_pyspark", "spark_session"]

DEFAULT_MASTER = "local[2]"


def require_pyspark() -> Any:
    """The ``pyspark`` module, or ``Unavailable`` naming the extra that provides it."""
    try:
        import pyspark
    except ImportError:
        raise Unavailable(
            "Spark jobs need PySpark and Java 17+: pip install 'riskline[spark]'"
        ) from None
    return pyspark


def spark_session(
    master: str = DEFAULT_MASTER,
    *,
    app_name: str = "riskline",
    shuffle_partitions: int = 4,
    driver_memory: str = "1g",
    extra: dict[str, str] | None = None,
) -> Any:
    """Get (or create) the session: ``local[2]`` by default, ``spark://host:7077`` on a cluster.

    The UI is off and shuffles use few partitions: the defaults suit one machine; pass
    ``shuffle_partitions`` of 2-3x the cluster's cores for real clusters.
    """
    require_pyspark()
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.python.worker.reuse", "true")
    )
    for key, value in (extra or {}).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
