"""Test databases: a SQLite file per test, or with CLAIMS_TEST_DATABASE_URL a PostgreSQL database per test.

Tests name their database by a path (``tmp_path / "c.db"``); on PostgreSQL that path stands for a database
of its own, created on first use, so the same test code runs against both. A seeded database is copied
for each test: a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

__all__ = ["ON_POSTGRES", "url_for", "copy_database", "drop_database", "drop_created", "cli_env"]

SERVER_URL = os.environ.get("CLAIMS_TEST_DATABASE_URL", "")
ON_POSTGRES = SERVER_URL.startswith("postgres")
_created: set[str] = set()
_admin: Engine | None = None


def _admin_engine() -> Engine:
    global _admin  # noqa: PLW0603 - one autocommit connection pool for CREATE/DROP DATABASE per run
    if _admin is None:
        url = make_url(SERVER_URL).set(drivername="postgresql+psycopg")
        _admin = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)
    return _admin


def _name(path: Path) -> str:
    """The PostgreSQL database a path stands for: this run's prefix and a digest of the path."""
    return f"t{os.getpid()}_{hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:16]}"


def _exists(name: str) -> bool:
    with _admin_engine().connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        return found is not None


def url_for(path: Path) -> str:
    """The database URL a test path stands for: the file itself, or its own PostgreSQL database."""
    if not ON_POSTGRES:
        return f"sqlite:///{path}"
    name = _name(path)
    if name not in _created and not _exists(name):
        with _admin_engine().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        _created.add(name)
    return make_url(SERVER_URL).set(drivername="postgresql+psycopg", database=name).render_as_string(False)


def copy_database(source: Path, target: Path) -> None:
    """``target`` becomes a copy of ``source`` (which stays as it was)."""
    if not ON_POSTGRES:
        shutil.copy(source, target)
        return
    src, dst = _name(source), _name(target)
    with _admin_engine().connect() as conn:
        # a template must have no other sessions: close what earlier tests left open on it
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                     {"n": src})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{dst}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{dst}" TEMPLATE "{src}"'))
    _created.add(dst)


def drop_database(path: Path) -> None:
    """Drop the PostgreSQL database a path stands for (nothing to do on SQLite: the temp folder goes)."""
    if ON_POSTGRES:
        name = _name(path)
        with _admin_engine().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        _created.discard(name)


def drop_created() -> None:
    """Drop every database this run created."""
    if ON_POSTGRES:
        with _admin_engine().connect() as conn:
            for name in sorted(_created):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        _created.clear()
        _admin_engine().dispose()


def cli_env(path: Path) -> dict[str, str]:
    """The environment for a ``claims`` subprocess working on the database a path stands for."""
    env = dict(os.environ)
    if ON_POSTGRES:
        env["CLAIMS_DATABASE_URL"] = url_for(path)
    return env
