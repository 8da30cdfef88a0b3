"""Schema migrations with alembic: bring a database to the current schema, and write new revisions."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from claims import models  # noqa: F401  - registers the tables on SQLModel.metadata

__all__ = [
    "MIGRATIONS",
    "BASELINE",
    "SEARCH_TABLE",
    "alembic_config",
    "include_name",
    "run_migrations",
    "upgrade",
    "current_revision",
    "head_revision",
    "schema_differences",
    "next_revision_id",
    "new_revision",
]

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"
SEARCH_TABLE = "claim_fts"
# Any fixed number: the key of the PostgreSQL advisory lock that serialises concurrent upgrades.
_PG_LOCK_KEY = 7_301_202_501


def alembic_config(connection: Connection | None = None) -> Config:
    """An alembic Config built in code (no alembic.ini): our scripts, run over ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "r%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    """What autogenerate compares with the models: everything but the full-text index, whose form
    depends on the database (an FTS5 table and its shadow tables on SQLite) and is kept by the migrations.

    >>> include_name("claim_fts_data", "table", {}), include_name("claim", "table", {})
    (False, True)
    """
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLE))


def run_migrations(context: EnvironmentContext) -> None:
    """What env.py does: configure alembic over the connection we hand it and run the scripts."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("migrations run through claims.migrate (init_db or `make migration`), not the alembic CLI")
    context.configure(connection=connection, target_metadata=SQLModel.metadata, include_name=include_name,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def head_revision() -> str:
    """The newest revision shipped with the code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision a database is at (None when it was never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


def _lock(connection: Connection) -> None:
    """Serialise upgrades from processes that start at once; the lock lasts until commit."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock; others wait (busy timeout)
    elif connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def _predates_migrations(connection: Connection) -> bool:
    tables = set(inspect(connection).get_table_names())
    return "alembic_version" not in tables and "claim" in tables


def upgrade(engine: Engine) -> bool:
    """Bring the database to the newest revision; safe to call again and from several processes at once.

    A database made before migrations existed (tables, no alembic_version) is stamped at the baseline
    first. Returns True when the full-text table had to be created beside existing data (reindex then).
    """
    with engine.connect() as connection:
        if current_revision(connection) == head_revision():
            return False
        connection.rollback()
    with engine.connect() as connection:
        _lock(connection)
        config = alembic_config(connection)
        created_search = False
        if _predates_migrations(connection):
            created_search = SEARCH_TABLE not in inspect(connection).get_table_names()
            if created_search:
                for statement in BASELINE_SEARCH_DDL.get(connection.dialect.name, ()):
                    connection.execute(text(statement))
            command.stamp(config, BASELINE)
        command.upgrade(config, "head")
        connection.commit()
    return created_search


# The full-text table as the baseline revision creates it (frozen: a change is a new revision).
BASELINE_SEARCH_DDL: dict[str, tuple[str, ...]] = {
    "sqlite": (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} USING fts5("
        "claim_id UNINDEXED, body, tokenize='porter unicode61')",
    ),
    "postgresql": (
        f"CREATE TABLE IF NOT EXISTS {SEARCH_TABLE} (claim_id VARCHAR(40) PRIMARY KEY, body TEXT NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS ix_{SEARCH_TABLE}_body ON {SEARCH_TABLE} "
        "USING gin (to_tsvector('english', body))",
    ),
}


def schema_differences(engine: Engine) -> list[Any]:
    """What differs between the database and the models (alembic autogenerate); empty when in step."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True, "render_as_batch": True}
        )
        return list(compare_metadata(context, SQLModel.metadata))


def next_revision_id() -> str:
    """The next four-digit revision id after the newest shipped one.

    >>> int(next_revision_id()) == int(head_revision()) + 1
    True
    """
    return f"{int(head_revision()) + 1:04d}"


def _slug(message: str) -> str:
    """
    >>> _slug("Add users & API tokens!")
    'add_users_api_tokens'
    """
    return re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "revision"


def new_revision(message: str) -> Path:
    """Autogenerate a revision: what the models add to the newest revision, found on a scratch SQLite file."""
    from claims.db import make_engine  # noqa: PLC0415 - db imports this module

    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{scratch}/scratch.db")
        try:
            upgrade(engine)
            with engine.connect() as connection:
                config = alembic_config(connection)
                script = command.revision(config, message=message, autogenerate=True, rev_id=next_revision_id())
                connection.commit()
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)
