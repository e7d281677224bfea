"""Console settings: ``RISKLINE_CONSOLE_*`` environment variables.

>>> ConsoleSettings(secure_cookie="never").cookie_secure("console.example.com")
False
>>> s = ConsoleSettings()
>>> s.cookie_secure("127.0.0.1"), s.cookie_secure("localhost"), s.cookie_secure("risk.example.com")
(False, False, True)
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import timedelta
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ConsoleSettings"]


class ConsoleSettings(BaseSettings):
    """Tunables of the analyst console (the engine's own settings stay in ``Settings``)."""

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
