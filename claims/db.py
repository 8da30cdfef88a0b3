"""Engines and schema: make_engine(url), init_db(engine), and the database URL rules."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from claims import models  # noqa: F401  - registers the tables on SQLModel.metadata

__all__ = ["DEFAULT_DB", "database_url", "make_engine", "init_db", "session_scope", "is_sqlite"]

DEFAULT_DB = "claims.db"
BUSY_TIMEOUT_MS = 30_000


def database_url(db_path: str | None = None) -> str:
    """CLAIMS_DATABASE_URL wins; else --db PATH; else ./claims.db.

    >>> import os; os.environ.pop("CLAIMS_DATABASE_URL", None) and None
    >>> database_url("x.db")
    'sqlite:///x.db'
    """
    configured = os.environ.get("CLAIMS_DATABASE_URL")
    if configured:
        return configured
    return f"sqlite:///{db_path or DEFAULT_DB}"


def is_sqlite(engine: Engine) -> bool:
    """True for SQLite engines."""
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite files get WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def init_db(engine: Engine) -> None:
    """Create every table, index and the full-text index if they are missing (safe to call again)."""
    SQLModel.metadata.create_all(engine)
    for table in SQLModel.metadata.sorted_tables:  # indexes added since an existing database was made
        for index in table.indexes:
            index.create(engine, checkfirst=True)
    if is_sqlite(engine):
        with engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS claim_fts USING fts5("
                    "claim_id UNINDEXED, body, tokenize='porter unicode61')"
                )
            )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
