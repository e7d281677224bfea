"""The metrics' edge cases: a sample without both classes is one clear error everywhere."""

from __future__ import annotations

import pytest

from riskline.scoring import auc, binary_metrics, ks, recall_at_fpr


@pytest.mark.parametrize("metric", [auc, ks, recall_at_fpr, binary_metrics])
@pytest.mark.parametrize("y", [[1, 1, 1], [0, 0, 0], []])
def test_one_class_or_empty_is_a_value_error(metric: object, y: list[int]) -> None:
    with pytest.raises(ValueError, match="both classes"):
        metric(y, [0.5] * len(y))  # type: ignore[operator]


def test_auc_counts_ties_one_half_and_takes_booleans() -> None:
    assert auc([0, 1], [0.5, 0.5]) == 0.5
    assert auc([False, True, True], [0.1, 0.9, 0.1]) == 0.75
