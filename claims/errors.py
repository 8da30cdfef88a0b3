"""The error hierarchy of the claims tracker; every message names the bad value."""

__all__ = [
    "ClaimsError",
    "QuantityError",
    "DocumentError",
    "NotFound",
    "InvalidInput",
    "Conflict",
]


class ClaimsError(Exception):
    """Base class for every error this project raises on purpose."""


class QuantityError(ClaimsError, ValueError):
    """A phrase is not a quantity we can read, e.g. ``QuantityError("'o1' is a model name")``."""


class DocumentError(ClaimsError):
    """A document cannot be ingested: binary, undecodable or empty."""


class NotFound(ClaimsError, LookupError):
    """A claim, source or entity id that does not exist."""


class InvalidInput(ClaimsError, ValueError):
    """User input that fails validation; ``field`` names the offending field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Conflict(ClaimsError):
    """A write that would contradict stored state (e.g. a duplicate user name)."""
