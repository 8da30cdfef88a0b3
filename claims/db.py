"""Engines and schema: make_engine(url), init_db(engine), the database URL rules (SQLite or PostgreSQL)."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine, select

from claims import migrate, models
from claims.errors import InvalidInput

__all__ = [
    "DataVersion", "DEFAULT_DB", "database_url", "make_engine", "init_db", "session_scope", "write_scope",
    "lock_for_writing", "lock_writes", "is_sqlite", "insert_rows", "WRITE_LOCK_KEY",
]

DEFAULT_DB = "claims.db"
BUSY_TIMEOUT_MS = 30_000
# The memory map is bounded: every mapped page a process touches counts as its memory, and a server that
# mapped a whole 2 GB database held 1.7 GB after a bench of every page; pages past the map are read() as usual
MMAP_BYTES = 256 * 1024**2


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
    # reads through a memory map, not a read() call per page: a claim view touches a few hundred pages
    # scattered over a large file (the first MMAP_BYTES of it)
    cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cursor.close()


def _has_nul(parameters: Any) -> bool:
    """True when any string among these bind parameters (one set or many) holds a NUL character.

    >>> _has_nul({"a": "x\\x00"}), _has_nul([{"a": "x"}, ("y",)]), _has_nul(("a\\x00b",))
    (True, False, True)
    """
    if isinstance(parameters, dict):
        return _has_nul(list(parameters.values()))
    if isinstance(parameters, list | tuple):
        return any(_has_nul(v) if isinstance(v, dict | list | tuple) else isinstance(v, str) and "\x00" in v
                   for v in parameters)
    return isinstance(parameters, str) and "\x00" in parameters


def _refuse_nul(_conn: Any, _cursor: Any, _sql: str, parameters: Any, _context: Any, _many: bool) -> None:
    """PostgreSQL text cannot hold NUL characters: refuse them as bad input (a 4xx), not a driver error."""
    if _has_nul(parameters):
        raise InvalidInput("text must not contain NUL (\\x00) characters")


def make_engine(url: str) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite files get WAL, a busy timeout and foreign keys,
    ``postgresql://`` URLs use psycopg 3."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def init_db(engine: Engine) -> None:
    """Bring the schema to the newest migration (creating it in an empty database); safe to call again,
    and from several processes at once."""
    if migrate.upgrade(engine):
        from claims.store import reindex_search  # noqa: PLC0415 - only for databases older than migrations

        with session_scope(engine) as session:
            reindex_search(session, claim_ids=session.exec(select(models.Claim.id)).all())


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


WRITE_LOCK_KEY = 0x636C61696D73  # the PostgreSQL advisory lock every writer of claims takes ("claims")


def lock_for_writing(connection: Any) -> None:
    """Make the transaction just begun on ``connection`` the only writing one until it ends.

    SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock now, not at the first write (waiting up to
    the busy timeout for another writer), so nothing read before the first write can change before it.
    PostgreSQL: a transaction-level advisory lock that every writer of the tracker takes first (ingests,
    refreshes, the web app's posts and moderation), held until commit or rollback; reads are not blocked.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


def _lock_on_begin(_session: Session, _transaction: Any, connection: Any) -> None:
    lock_for_writing(connection)


def lock_writes(session: Session) -> None:
    """Every transaction ``session`` begins takes the database's write lock first (``lock_for_writing``)."""
    event.listen(session, "after_begin", _lock_on_begin)


@contextmanager
def write_scope(engine: Engine) -> Iterator[Session]:
    """Like session_scope, for a transaction that reads then writes: it holds the database's write lock
    (``lock_for_writing``) from its first statement, so writers in other processes, on this machine or
    another one sharing a PostgreSQL server, run one after the other and each sees what the last committed.
    """
    with session_scope(engine) as session:
        lock_writes(session)
        yield session


class DataVersion:
    """A cheap token that changes whenever any connection, in any process, commits a change to the database.

    SQLite: ``PRAGMA data_version`` on a connection of its own that never writes (its value changes when
    another connection commits). PostgreSQL: the server's WAL insert position (every commit moves it; so
    does other activity, which only costs a recomputation). ``current()`` is None when no such token can be
    had (an in-memory SQLite database, a server that refuses the query): then nothing may be cached.
    Read the token *before* reading the data it guards, so a commit in between makes the next token differ.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._failed = False
        if is_sqlite(engine):
            path = engine.url.database
            if path and path != ":memory:" and not path.startswith("file:"):
                self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)

    @property
    def in_process(self) -> bool:
        """True when reading the token is an in-process call (SQLite), not a round trip to a server."""
        return self._conn is not None

    def current(self) -> object | None:
        """The token now, or None when unknown."""
        if self._failed:
            return None
        try:
            if self._conn is not None:
                with self._lock:
                    row = self._conn.execute("PRAGMA data_version").fetchone()
                return ("sqlite", row[0])
            if self._engine.dialect.name == "postgresql":
                with self._engine.connect() as connection:
                    return ("pg", connection.exec_driver_sql("SELECT pg_current_wal_insert_lsn()").scalar())
        except Exception:  # noqa: BLE001 - no token: the caller computes afresh every time
            self._failed = True
        return None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def insert_rows(
    session: Session, table: Any, rows: Sequence[dict[str, Any]], *, skip_existing: bool = False
) -> None:
    """INSERT rows of one table, every row with the same keys; ``skip_existing`` leaves rows whose primary
    key is already stored as they are (ON CONFLICT DO NOTHING on SQLite and PostgreSQL, a lookup elsewhere).

    On SQLite the rows go straight to the driver's executemany, each value through the bind processor
    SQLAlchemy itself applies to its column, so the stored values are the same; what is skipped is
    SQLAlchemy's per-row parameter compilation, which costs more than SQLite's own insert (ingest writes
    tens of thousands of claims, evidence and relations at a time).
    """
    if not rows:
        return
    bind = session.get_bind()
    dialect = bind.dialect
    names = list(rows[0])
    if any(len(row) != len(names) for row in rows):
        raise ValueError(f"rows for {table.name} differ in their keys")
    if dialect.name == "postgresql" and skip_existing:
        from sqlalchemy.dialects.postgresql import insert as pg_insert  # noqa: PLC0415

        session.execute(pg_insert(table).on_conflict_do_nothing(), list(rows))
        return
    if dialect.name != "sqlite":
        if skip_existing:  # no ON CONFLICT clause to rely on: leave out the rows whose key is stored
            [key] = table.primary_key.columns
            wanted = sorted({row[key.name] for row in rows})
            stored: set[Any] = set()
            for i in range(0, len(wanted), 500):
                stored.update(session.execute(sa_select(key).where(key.in_(wanted[i : i + 500]))).scalars())
            rows = [row for row in rows if row[key.name] not in stored]
        if rows:
            session.execute(insert(table), list(rows))
        return
    kinds = [table.c[n].type.dialect_impl(dialect) for n in names]
    processors = [(i, p) for i, kind in enumerate(kinds) if (p := kind.bind_processor(dialect))]
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
           f"VALUES ({', '.join('?' * len(names))})" + (" ON CONFLICT DO NOTHING" if skip_existing else ""))
    values = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    params = [list(values(row)) for row in rows]
    for i, process in processors:  # a column at a time: most columns need no processing
        for row_values in params:
            row_values[i] = process(row_values[i])
    session.connection().exec_driver_sql(sql, [tuple(v) for v in params])
