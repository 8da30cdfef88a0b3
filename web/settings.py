"""Settings of the web app: passed to ``create_app``, never read at import time."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings", "SECRET_ENV", "secret_file"]

SECRET_ENV = "CLAIMS_SECRET_KEY"


@dataclass(frozen=True)
class Settings:
    """What the app needs to run.

    ``secret_key`` signs the CSRF tokens of the forms and the session cookies. When it is not given,
    the app takes $CLAIMS_SECRET_KEY, else the key stored beside a SQLite database (``claims.db-secret``,
    made on first use, readable by its owner only), else a random key for the life of the process (a
    form left open across a restart is then refused once, with a message, and works when sent again;
    login sessions then end with the process).
    """

    database_url: str
    secret_key: str | None = None
    title: str = "DeepSeek claims tracker"
    added_by_anonymous: str = "anonymous reader"

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
