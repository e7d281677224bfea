"""One SparkSession for the whole test session (start-up costs seconds).

Without PySpark or Java the tests skip, or fail under ``CI=true`` (CI installs riskline[spark]).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services import spark_problem, unavailable

_SPARK_WARNINGS = (
    "ignore:PySpark does not yet fully support pandas",
    "ignore::DeprecationWarning:pyspark",
    "ignore::ResourceWarning",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            for spec in _SPARK_WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(spec))


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local[2] session (UI off, 4 shuffle partitions), stopped at the end."""
    problem = spark_problem()
    if problem:
        unavailable(problem)
    from riskline.batch.session import spark_session

    small = {  # tiny data: fewer tasks and no per-stage re-planning beat parallelism here
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.codegen.wholeStage": "false",
    }
    session = spark_session(
        "local[2]", app_name="riskline-tests", shuffle_partitions=2, extra=small
    )
    yield session
    session.stop()
