"""Settings of the web app: passed to ``create_app``, never read at import time."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

__all__ = ["Settings", "SECRET_ENV"]

SECRET_ENV = "CLAIMS_SECRET_KEY"


@dataclass(frozen=True)
class Settings:
    """What the app needs to run.

    ``secret_key`` signs the CSRF tokens of the evidence form. When it is not given, the app takes
    $CLAIMS_SECRET_KEY, else a random key for the life of the process (forms left open across a
    restart are then refused once, with a message, and work on the next try).
    """

    database_url: str
    secret_key: str | None = None
    title: str = "DeepSeek claims tracker"
    added_by_form: str = "web form"
    added_by_api: str = "api"

    def resolved_secret(self) -> str:
        """The key to sign with: the configured one, the environment's, or a fresh random one."""
        return self.secret_key or os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32)
