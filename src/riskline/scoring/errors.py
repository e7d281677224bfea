"""Training-input errors; all are ``InvalidInput`` so the CLI and API report them the same way."""

from __future__ import annotations

from riskline.errors import InvalidInput, NotFound, RisklineError

__all__ = [
    "ArtifactTampered",
    "MissingColumn",
    "ModelNotFound",
    "NonBinaryTarget",
    "TooFewPositives",
]


class MissingColumn(InvalidInput):
    """A column the training run needs is not in the data."""

    code = "missing_column"


class NonBinaryTarget(InvalidInput):
    """The target column holds something other than two classes 0/1."""

    code = "non_binary_target"


class TooFewPositives(InvalidInput):
    """Too few positive (or negative) rows to train and validate a model."""

    code = "too_few_positives"


class ModelNotFound(NotFound):
    """No such model name or version in the registry."""

    code = "model_not_found"


class ArtifactTampered(RisklineError):
    """A model artifact's bytes do not match the hash recorded when it was registered."""

    code = "artifact_tampered"
