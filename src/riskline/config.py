"""Settings: one object with sections, read from ``RISKLINE_*`` environment variables.

``Settings`` holds the engine's own tunables (``RISKLINE_<NAME>``) and its sections, each read
from its own prefix so the variable names stay as they were:

* ``settings.console``: the analyst console, ``RISKLINE_CONSOLE_<NAME>``;
* ``settings.consortium``: the consortium member node and applicant screening,
  ``RISKLINE_CONSORTIUM_<NAME>``;
* ``settings.monitoring``: monitoring and its alert rules, ``RISKLINE_MONITORING_<NAME>``.

A section can also be built alone (a member node needs nothing else). pydantic-settings stays
here, at the edge: ``riskline.runtime`` turns settings into objects.

>>> s = Settings(pii_secret="0123456789abcdef")
>>> s.database_url, s.console.enabled, s.consortium.port
('sqlite:///riskline.db', True, 8700)
>>> ConsoleSettings(secure_cookie="never").cookie_secure("console.example.com")
False
>>> c = ConsoleSettings()
>>> c.cookie_secure("127.0.0.1"), c.cookie_secure("localhost"), c.cookie_secure("risk.example.com")
(False, False, True)
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from riskline.errors import InvalidConfig

__all__ = [
    "DEV_PII_SECRET",
    "ConsoleSettings",
    "ConsortiumSettings",
    "MonitoringSettings",
    "Settings",
]

DEV_PII_SECRET = "riskline-dev-secret-change-me"
"""Used only when ``RISKLINE_PII_SECRET`` is unset; ``riskline serve`` warns about it."""


class ConsoleSettings(BaseSettings):
    """The analyst console section: ``RISKLINE_CONSOLE_*`` (``Settings.console``)."""

    model_config = SettingsConfigDict(env_prefix="RISKLINE_CONSOLE_", extra="forbid")

    enabled: bool = True
    secure_cookie: Literal["auto", "always", "never"] = "auto"
    """``auto``: the Secure flag on, except for requests to localhost / loopback addresses."""
    secret: SecretStr | None = None
    """Cookie signing key; derived from ``RISKLINE_PII_SECRET`` when unset."""
    idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_hours: int = Field(default=12, ge=1, le=24 * 7)
    password_work: int = Field(default=2**15, ge=2**10, le=2**20)
    """scrypt cost ``n`` (a power of two) for new password hashes."""
    dashboard_sample: int = Field(default=5000, ge=100, le=200_000)
    """Most recent decisions read for reason-code hit rates and score distributions."""
    dashboard_ttl_seconds: float = Field(default=30.0, ge=0, le=3600)
    """Dashboard figures are recomputed at most this often (0: on every request)."""

    @field_validator("password_work")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError("RISKLINE_CONSOLE_PASSWORD_WORK must be a power of two")
        return value

    @property
    def idle(self) -> timedelta:
        """A session ends after this long without a request."""
        return timedelta(minutes=self.idle_minutes)

    @property
    def lifetime(self) -> timedelta:
        """A session ends this long after sign-in, active or not."""
        return timedelta(hours=self.session_hours)

    def signing_key(self, pii_key: bytes) -> bytes:
        """The cookie signing key: the configured secret, else one derived from ``pii_key``."""
        if self.secret is not None:
            return self.secret.get_secret_value().encode()
        return hmac.new(pii_key, b"riskline console cookie signing", hashlib.sha256).digest()

    def cookie_secure(self, host: str) -> bool:
        """Whether cookies set for a request to ``host`` carry the Secure flag."""
        if self.secure_cookie != "auto":
            return self.secure_cookie == "always"
        return not _is_loopback(host)


def _is_loopback(host: str) -> bool:
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class ConsortiumSettings(BaseSettings):
    """The consortium section: ``RISKLINE_CONSORTIUM_*`` (``Settings.consortium``).

    A member node (``riskline consortium serve``) runs on this section alone; the engine's
    applicant screening (``/v1/consortium/screen``) reads the key, member id and peers from it.
    """

    model_config = SettingsConfigDict(env_prefix="RISKLINE_CONSORTIUM_", extra="forbid")

    member_id: str = Field(default="member", pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")
    database_url: str = "sqlite:///consortium.db"
    key: SecretStr = SecretStr("")
    """The consortium-wide identifier key (the same at every member; 16+ characters)."""
    peers_file: Path | None = None
    operator_token: SecretStr = SecretStr("")
    """Bearer token for this member's own staff (filing, disputes, publishing, audit)."""
    host: str = "127.0.0.1"
    port: int = Field(default=8700, ge=1, le=65535)
    max_batch: int = Field(default=10_000, ge=1, le=1_000_000)
    requests_per_minute: float = Field(default=30.0, gt=0)
    burst: int = Field(default=10, ge=1)
    items_per_day: int = Field(default=200_000, ge=1)
    min_contribution: int = Field(default=1, ge=0)
    fpr: float = Field(default=1e-9, gt=0, lt=0.01)
    structure: str = Field(default="gcs", pattern="^(gcs|bloom)$")
    entry_ttl_days: int = Field(default=730, ge=1, le=1825)
    applicant_window_days: int = Field(default=30, ge=1, le=365)
    republish_seconds: float = Field(default=60.0, gt=0)
    """How often the serve loop checks whether the sets must be re-published."""
    publish_lead_seconds: float = Field(default=300.0, ge=0)
    """Re-publish this long before the first entry expires (entries that close are left out)."""
    contribution_cache_seconds: float = Field(default=600.0, ge=0)

    def consortium_key(self) -> bytes:
        """The shared key, or a clear configuration error."""
        value = self.key.get_secret_value()
        if len(value) < 16:
            raise InvalidConfig("RISKLINE_CONSORTIUM_KEY must be set (16+ characters)")
        return value.encode()


class MonitoringSettings(BaseSettings):
    """Monitoring and its alerts: ``RISKLINE_MONITORING_*`` (``Settings.monitoring``)."""

    model_config = SettingsConfigDict(env_prefix="RISKLINE_MONITORING_", extra="forbid")

    alerts_path: Path | None = None
    """Alert rules (YAML); the shipped ``riskline/monitoring/default_alerts.yaml`` when unset."""
    every_seconds: float = Field(default=300.0, ge=0, le=86_400)
    """How often the API process evaluates the alert rules (0: never; use ``riskline watch``)."""


class Settings(BaseSettings):
    """Every tunable of a Riskline process: ``RISKLINE_<NAME>``, and the two sections."""

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
    label_delay_days: float = Field(default=7.0, ge=0, le=365)
    """Entity risk (``risk.*``) counts a payment's fraud label only once the payment is this
    many days old (the label delay the models were trained with)."""
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
    key_cache_seconds: float = Field(default=5.0, gt=0, le=3600)
    """How long a verified API key is trusted from memory (every process of the API); a
    revoked key is refused at most this long after its revocation."""
    fast_events: bool = True
    """Answer well-formed ``POST /v1/events`` requests of recently verified keys without the
    framework's per-request machinery (``riskline.api.fastpath``); same answers, less CPU."""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    attachments_dir: Path = Path("attachments")
    """Where case evidence files are stored (random names; never served as a web root)."""
    attachment_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    """The largest evidence file a case accepts."""
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    """The analyst console (``RISKLINE_CONSOLE_*``)."""
    consortium: ConsortiumSettings = Field(default_factory=ConsortiumSettings)
    """The consortium member node and applicant screening (``RISKLINE_CONSORTIUM_*``)."""
    monitoring: MonitoringSettings = Field(default_factory=MonitoringSettings)
    """Monitoring series and alert rules (``RISKLINE_MONITORING_*``)."""

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
