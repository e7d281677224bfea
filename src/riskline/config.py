"""Settings: one object, read from ``RISKLINE_*`` environment variables (pydantic-settings).

>>> s = Settings(pii_secret="0123456789abcdef")
>>> s.database_url
'sqlite:///riskline.db'
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEV_PII_SECRET", "Settings"]

DEV_PII_SECRET = "riskline-dev-secret-change-me"
"""Used only when ``RISKLINE_PII_SECRET`` is unset; ``riskline serve`` warns about it."""


class Settings(BaseSettings):
    """Every tunable of a Riskline process; environment variables ``RISKLINE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="RISKLINE_", extra="forbid")

    database_url: str = "sqlite:///riskline.db"
    pii_secret: SecretStr = SecretStr(DEV_PII_SECRET)
    policy_path: Path | None = None
    bands_path: Path | None = None
    """Limit band table (YAML: version, bands of name / min_score / limits); built-in when unset."""
    model_dir: Path = Path("models")
    rules_path: Path | None = None
    """Analyst rule set (YAML, hot-reloaded); the packaged baseline set when unset."""
    feature_store: str = Field(default="memory", pattern="^(memory|redis)$")
    feature_snapshot: Path | None = None
    """Snapshot file the in-process features resume from at start and are saved to at close
    (only the events after it are replayed into features); unset: replay the whole ledger."""
    """Per-entity feature state: in process, or shared by every process in Redis."""
    graph_store: str = Field(default="memory", pattern="^(memory|redis)$")
    """The link graph: in process, or shared in Redis (``riskline.state.RedisGraph``)."""
    list_store: str = Field(default="memory", pattern="^(memory|redis)$")
    """Block/allow/watch lists: SQL + memory, or SQL + memory kept in step by Redis pub/sub."""
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_namespace: str = Field(default="riskline", pattern="^[A-Za-z0-9_-]+$")
    """Key prefix of this deployment in Redis: every key starts with ``<namespace>:``."""
    allowed_lateness: timedelta = timedelta(hours=24)
    max_future_skew: timedelta = timedelta(minutes=5)
    max_batch_events: int = Field(default=500, ge=1, le=10_000)
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    commit_batch: int = Field(default=256, ge=1, le=10_000)
    rate_limit_per_s: float = Field(default=50.0, ge=0)
    """Requests per second admitted per API key in each API process (0: no limit). Kept well
    below what one process serves (a key at 500/s never met the old limit and slowed every
    other key); an ingest request carries up to ``max_batch_events`` events."""
    rate_limit_burst: int = Field(default=100, ge=1)
    """How many requests a key may send at once above its steady rate."""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    @field_validator("pii_secret")
    @classmethod
    def _secret_long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("RISKLINE_PII_SECRET must be at least 16 characters")
        return value

    @property
    def pii_key(self) -> bytes:
        """The HMAC key for personal identifiers."""
        return self.pii_secret.get_secret_value().encode()
