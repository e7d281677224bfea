"""Champion / challenger: the active model decides, the challenger scores the same row in shadow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from riskline.errors import InvalidInput
from riskline.scoring.gbdt import Row
from riskline.scoring.registry import ModelRegistry

__all__ = ["ChampionChallenger", "RowScorer", "ShadowScore"]


class RowScorer(Protocol):
    """Anything that scores one row (``GbdtModel`` does)."""

    def score_row(self, row: Row) -> float: ...


@dataclass(frozen=True, slots=True)
class ShadowScore:
    """Both scores of one row; only ``champion`` may drive the decision."""

    champion: float
    champion_version: str
    challenger: float | None = None
    challenger_version: str | None = None


def _scorer(model: object, name: str, version: str) -> RowScorer:
    if not callable(getattr(model, "score_row", None)):
        raise InvalidInput(f"model {name} version {version} cannot score single rows")
    return model  # type: ignore[return-value]


class ChampionChallenger:
    """Scores rows with the registry's active version and, in shadow, its challenger."""

    def __init__(self, registry: ModelRegistry, name: str) -> None:
        self.registry = registry
        self.name = name
        self.reload()

    def reload(self) -> None:
        """Pick up the registry's current active and challenger versions."""
        version = self.registry.active(self.name)
        model, _ = self.registry.load(self.name, version)
        self.champion_ = (version, _scorer(model, self.name, version))
        self.challenger_: tuple[str, RowScorer] | None = None
        other = self.registry.challenger(self.name)
        if other is not None and other != version:
            shadow, _ = self.registry.load(self.name, other)
            self.challenger_ = (other, _scorer(shadow, self.name, other))

    def score(self, row: Row) -> ShadowScore:
        """Champion score, plus the challenger's when one is set."""
        version, model = self.champion_
        if self.challenger_ is None:
            return ShadowScore(model.score_row(row), version)
        other, shadow = self.challenger_
        return ShadowScore(model.score_row(row), version, shadow.score_row(row), other)
