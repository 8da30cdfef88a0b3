"""Schema migrations with alembic: bring a database to the current schema, and write new revisions."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, DateTime, TypeDecorator, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import DefaultClause
from sqlmodel import SQLModel

from claims import models  # noqa: F401  - registers the tables on SQLModel.metadata

__all__ = [
    "MIGRATIONS",
    "BASELINE",
    "SEARCH_TABLE",
    "SEARCH_KEYS_DDL",
    "STATUS_RANK_SQL",
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
        raise RuntimeError("migrations run through claims.migrate (init_db, make migration), not alembic CLI")
    context.configure(connection=connection, target_metadata=SQLModel.metadata, include_name=include_name,
                      render_as_batch=True, compare_type=True, render_item=render_item,
                      process_revision_directives=_defaults_for_new_columns)
    with context.begin_transaction():
        context.run_migrations()


def render_item(type_: str, obj: Any, _context: Any) -> str | Literal[False]:
    """Write SQLModel's column types as plain SQLAlchemy ones, so revisions do not depend on SQLModel's
    internals (False: alembic's own rendering).

    >>> from sqlalchemy import Text
    >>> from sqlmodel.sql.sqltypes import AutoString
    >>> render_item("type", AutoString(length=40), None), render_item("type", Text(), None)
    ('sa.String(length=40)', False)
    """
    if type_ != "type":
        return False
    if type(obj).__name__ == "AutoString":
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if isinstance(obj, TypeDecorator) and isinstance(obj.impl, DateTime):
        return f"sa.DateTime(timezone={bool(obj.impl.timezone)})"
    return False


def server_default_for(column: Column[Any]) -> Any:
    """A server default for a NOT NULL column added to a table that may hold rows: the model's own
    Python default when it is a plain value (None when there is none).

    >>> from sqlalchemy import Boolean, String
    >>> server_default_for(Column("flagged", Boolean, default=False, nullable=False)).text
    'false'
    >>> server_default_for(Column("review", String(10), default="accepted", nullable=False)).text
    "'accepted'"
    """
    default = column.default
    scalar = default is not None and getattr(default, "is_scalar", False)
    value = getattr(default, "arg", None) if scalar else None
    if isinstance(value, bool):  # the keywords, which both databases read (SQLite 3.23+)
        return text("true" if value else "false")
    if isinstance(value, int | float):
        return text(repr(value))
    if isinstance(value, str):
        return text("'" + value.replace("'", "''") + "'")
    return None


def _defaults_for_new_columns(_context: Any, _revision: Any, directives: list[Any]) -> None:
    """Autogenerate hook: NOT NULL columns added to existing tables get the model's default on the server,
    else the upgrade would fail on a database that has rows (PostgreSQL, and SQLite's batch copy)."""
    for directive in directives:
        for table_ops in directive.upgrade_ops.ops:
            for op in getattr(table_ops, "ops", ()):
                column = getattr(op, "column", None)
                if type(op).__name__ == "AddColumnOp" and column is not None and not column.nullable \
                        and column.server_default is None:
                    default = server_default_for(column)
                    if default is not None:
                        column.server_default = DefaultClause(default)
                    else:
                        print(f"warning: {op.table_name}.{column.name} is NOT NULL without a default: "
                              "give it a server_default in the revision, or fill it before setting NOT NULL")


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


def upgrade(engine: Engine, *, to: str = "head") -> bool:
    """Bring the database to the newest revision (or ``to``); safe to call again and from several processes.

    A database made before migrations existed (tables, no alembic_version) is stamped at the baseline
    first. Returns True when the full-text table had to be created beside existing data (reindex then).
    """
    with engine.connect() as connection:
        if current_revision(connection) == (head_revision() if to == "head" else to):
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
        command.upgrade(config, to)
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


# Revision 0005 (SQLite): the list-ordering columns of each full-text row, kept in step by triggers on claim.
STATUS_RANK_SQL = "CASE {0}status WHEN 'disputed' THEN 0 WHEN 'refuted' THEN 1 ELSE 2 END"
SEARCH_KEYS_DDL: tuple[str, ...] = (
    f"CREATE TABLE IF NOT EXISTS {SEARCH_TABLE}_keys ("
    "fts_rowid INTEGER PRIMARY KEY, claim_id VARCHAR(40) NOT NULL UNIQUE, "
    "status VARCHAR(20) NOT NULL, status_rank INTEGER NOT NULL, subject_id VARCHAR(100) NOT NULL, "
    "metric VARCHAR(60) NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS ix_{SEARCH_TABLE}_keys_order "
    f"ON {SEARCH_TABLE}_keys (status_rank, subject_id, metric, claim_id)",
    f"CREATE TRIGGER IF NOT EXISTS {SEARCH_TABLE}_keys_update "
    "AFTER UPDATE OF status, subject_id, metric ON claim BEGIN "
    f"UPDATE {SEARCH_TABLE}_keys SET status = NEW.status, "
    f"status_rank = {STATUS_RANK_SQL.format('NEW.')}, "
    "subject_id = NEW.subject_id, metric = NEW.metric WHERE claim_id = NEW.id; END",
    f"CREATE TRIGGER IF NOT EXISTS {SEARCH_TABLE}_keys_delete AFTER DELETE ON claim BEGIN "
    f"DELETE FROM {SEARCH_TABLE}_keys WHERE claim_id = OLD.id; END",
)


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
                script = command.revision(config, message=message, autogenerate=True,
                                          rev_id=next_revision_id())
                connection.commit()
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def main(argv: list[str]) -> int:
    """``python -m claims.migrate MESSAGE``: what `make migration MSG=...` runs."""
    if len(argv) != 1 or not argv[0].strip():
        print('usage: make migration MSG="what changed, e.g. add users and API tokens"')
        return 2
    path = new_revision(argv[0].strip())
    print(f"Wrote {path}\nRead it, adjust it if needed (data moves, server defaults), then run the tests "
          "against both databases: make test && make test-postgres")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
