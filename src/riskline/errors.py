"""The one error tree of Riskline.

Every error the library raises on purpose derives from :class:`RisklineError`.
The HTTP layer maps ``status`` to the response code in one place
(``riskline.api.errors``); the CLI prints ``str(err)`` and exits non-zero.

::

    RisklineError (500)
    ├── InvalidInput (422)            bad event, file line, config value, policy
    │   ├── InvalidEvent (422)
    │   ├── InvalidPolicy (422)
    │   └── InvalidConfig (422)
    ├── NotFound (404)
    ├── Conflict (409)
    │   ├── IdempotencyConflict (409) same event_id, different content
    │   └── IllegalTransition (409)   credit line state machine refused
    ├── Unauthenticated (401)
    ├── Forbidden (403)
    ├── PayloadTooLarge (413)
    ├── RateLimited (429)             too many requests for this key; retry after a delay
    └── Unavailable (503)             a backing service failed; safe to retry
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

__all__ = [
    "Conflict",
    "FieldError",
    "Forbidden",
    "IdempotencyConflict",
    "IllegalTransition",
    "InvalidConfig",
    "InvalidEvent",
    "InvalidInput",
    "InvalidPolicy",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "RisklineError",
    "Unauthenticated",
    "Unavailable",
]

FieldError = Mapping[str, Any]
"""One field-level problem: ``{"loc": [...], "msg": "...", "type": "..."}``."""


class RisklineError(Exception):
    """Base of every error Riskline raises on purpose."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, *, details: Sequence[FieldError] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details = tuple(details)

    def to_dict(self) -> dict[str, Any]:
        """The JSON body an API client sees."""
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details:
            body["details"] = [dict(d) for d in self.details]
        return body


class InvalidInput(RisklineError):
    """Input was rejected; nothing was changed."""

    status = 422
    code = "invalid_input"


class InvalidEvent(InvalidInput):
    """An event failed validation."""

    code = "invalid_event"


class InvalidPolicy(InvalidInput):
    """A policy file failed validation."""

    code = "invalid_policy"


class InvalidConfig(InvalidInput):
    """A configuration value is wrong."""

    code = "invalid_config"


class NotFound(RisklineError):
    """The requested object does not exist."""

    status = 404
    code = "not_found"


class Conflict(RisklineError):
    """The request conflicts with the current state."""

    status = 409
    code = "conflict"


class IdempotencyConflict(Conflict):
    """An event id was reused with different content."""

    code = "idempotency_conflict"


class IllegalTransition(Conflict):
    """A credit line cannot move from its state with that action."""

    code = "illegal_transition"


class Unauthenticated(RisklineError):
    """No valid credentials were presented."""

    status = 401
    code = "unauthenticated"


class Forbidden(RisklineError):
    """The credentials lack the role the route needs."""

    status = 403
    code = "forbidden"


class PayloadTooLarge(RisklineError):
    """The request body or batch exceeds the configured bound."""

    status = 413
    code = "payload_too_large"


class RateLimited(RisklineError):
    """Too many requests from one caller; ``retry_after`` seconds until the next is admitted."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(RisklineError):
    """A backing service failed; the request changed nothing and may be retried."""

    status = 503
    code = "unavailable"
