"""Settings of the web app: passed to ``create_app``, never read at import time."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.types import Scope

__all__ = ["Settings", "SECRET_ENV", "LIMIT_ENV", "secret_file", "limits_from"]

SECRET_ENV = "CLAIMS_SECRET_KEY"
# Settings field -> (environment variable, type); `claims serve` flags of the same names win over these.
LIMIT_ENV: dict[str, tuple[str, type]] = {
    "max_body_bytes": ("CLAIMS_MAX_BODY_BYTES", int),
    "write_rate": ("CLAIMS_WRITE_RATE", float),
    "write_burst": ("CLAIMS_WRITE_BURST", int),
    "view_cache_bytes": ("CLAIMS_VIEW_CACHE_BYTES", int),
}


@dataclass(frozen=True)
class Settings:
    """What the app needs to run.

    ``secret_key`` signs the CSRF tokens of the forms and the session cookies. When it is not given,
    the app takes $CLAIMS_SECRET_KEY, else the key stored beside a SQLite database (``claims.db-secret``,
    made on first use, readable by its owner only), else a random key for the life of the process (a
    form left open across a restart is then refused once, with a message, and works when sent again;
    login sessions then end with the process).

    Limits: a request body over ``max_body_bytes`` gets 413; each client (``rate_limit_key`` of the
    ASGI scope, by default its IP address) may send ``write_burst`` writes at once and then
    ``write_rate`` per second, else 429 (``write_rate`` 0 turns the rate limit off). At most
    ``rate_limit_clients`` clients are tracked, the least recently seen forgotten first.

    ``view_cache_bytes`` bounds the cache of GET /api/claims/{id} bodies (0 turns it off); it is
    emptied by any commit to the database, from any process.
    """

    database_url: str
    secret_key: str | None = None
    title: str = "DeepSeek claims tracker"
    added_by_anonymous: str = "anonymous reader"
    max_body_bytes: int = 256 * 1024  # the largest valid evidence body is about 50 KB of escaped JSON
    write_rate: float = 1.0
    write_burst: int = 30
    rate_limit_clients: int = 10_000
    rate_limit_key: Callable[[Scope], str] | None = None
    view_cache_bytes: int = 256 * 1024 * 1024  # serialized claim views kept while the database is unchanged

    def resolved_secret(self) -> str:
        """The key to sign with: configured, from the environment, stored per database, or fresh."""
        return (
            self.secret_key
            or os.environ.get(SECRET_ENV)
            or _stored_secret(self.database_url)
            or secrets.token_urlsafe(32)
        )


def secret_file(database_url: str) -> Path | None:
    """Where a SQLite database keeps its secret; None for other databases.

    >>> secret_file("sqlite:///data/claims.db"), secret_file("sqlite://"), secret_file("postgresql://h/db")
    (PosixPath('data/claims.db-secret'), None, None)
    """
    path = database_url.removeprefix("sqlite:///") if database_url.startswith("sqlite:///") else ""
    return Path(f"{path}-secret") if path and path != ":memory:" else None


def _stored_secret(database_url: str) -> str | None:
    path = secret_file(database_url)
    if path is None:
        return None
    try:
        if not path.exists():
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                out.write(secrets.token_urlsafe(32))
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:  # a read-only folder, or another process writing it this instant: go without
        return None


def limits_from(environ: Mapping[str, str], **flags: float | None) -> dict[str, Any]:
    """Limit settings from the environment, overridden by the flags that were given.

    >>> limits_from({"CLAIMS_WRITE_RATE": "50", "CLAIMS_WRITE_BURST": "9"}, write_burst=100, write_rate=None)
    {'write_rate': 50.0, 'write_burst': 100}
    >>> limits_from({"CLAIMS_WRITE_BURST": "lots"})
    Traceback (most recent call last):
    ValueError: CLAIMS_WRITE_BURST must be a whole number, not 'lots'
    >>> limits_from({}, view_cache_bytes=-1)
    Traceback (most recent call last):
    ValueError: view-cache-bytes must not be negative, not -1
    """
    out: dict[str, Any] = {}
    for name, (variable, kind) in LIMIT_ENV.items():
        raw = environ.get(variable)
        if raw:
            try:
                out[name] = kind(raw)
            except ValueError:
                noun = "a whole number" if kind is int else "a number"
                raise ValueError(f"{variable} must be {noun}, not {raw!r}") from None
        if flags.get(name) is not None:
            out[name] = kind(flags[name])
        if out.get(name, 0) < 0:
            raise ValueError(f"{name.replace('_', '-')} must not be negative, not {out[name]}")
    return out
