"""What routes depend on: the app state (engine, templates, vocabulary, secret) and a session per request."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from claims.db import is_sqlite, lock_for_writing, lock_writes
from claims.vocabulary import Vocabulary
from web.settings import Settings
from web.viewcache import ViewCache

__all__ = [
    "WebState", "get_state", "get_session", "get_write_session", "StateDep", "SessionDep", "WriteSessionDep"
]


@dataclass(frozen=True)
class WebState:
    """Everything ``create_app`` builds once and routes share."""

    settings: Settings
    engine: Engine
    templates: Jinja2Templates
    vocabulary: Vocabulary
    secret: str
    write_lock: threading.Lock = field(default_factory=threading.Lock)  # one SQLite writer per process
    # bodies of GET /api/claims/{id} while the database is unchanged (create_app gives it the data version)
    claim_views: ViewCache = field(default_factory=lambda: ViewCache(lambda: None))
    # aggregates over the whole database (facet counts per filters, the home page's disputes), as JSON,
    # while the database is unchanged
    summary_views: ViewCache = field(default_factory=lambda: ViewCache(lambda: None))


def get_state(request: Request) -> WebState:
    """The state ``create_app`` stored on the app."""
    state: WebState = request.app.state.web
    return state


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; routes that write commit it themselves, before they answer."""
    with Session(get_state(request).engine, expire_on_commit=False) as session:
        yield session


class _Writer:
    """The first transaction of a writing session: this process's write lock, then BEGIN IMMEDIATE."""

    def __init__(self, lock: threading.Lock) -> None:
        self.lock, self.held, self.began = lock, False, False

    def begin(self, _session: Session, _transaction: Any, connection: Connection) -> None:
        if self.began:
            return
        self.began = True
        self.lock.acquire()
        self.held = True
        lock_for_writing(connection)

    def end(self, _session: Session, transaction: Any) -> None:
        if self.held and transaction.parent is None:
            self.release()

    def release(self) -> None:
        if self.held:
            self.held = False
            self.lock.release()


def get_write_session(request: Request) -> Iterator[Session]:
    """A session for a request that writes: on SQLite its first transaction runs alone, locked up front.

    When the route first touches the database (in the route's own thread) it takes this process's
    write lock and SQLite's (BEGIN IMMEDIATE), and gives both back when that transaction ends. So what
    the request reads before it writes cannot change before it writes (two identical posts at once
    find, not both create, the same source), and writers queue on a lock that wakes the next one at
    once rather than in SQLite's busy loop, which sleeps and is unfair. On PostgreSQL each write
    transaction first takes the advisory lock every writer of the tracker takes (``claims.db.lock_writes``:
    ingests too), so the same read-then-write holds across every server and ingest process, on any machine
    (it ends with the transaction).
    """
    state = get_state(request)
    with Session(state.engine, expire_on_commit=False) as session:
        if not is_sqlite(state.engine):
            lock_writes(session)
            yield session
            return
        writer = _Writer(state.write_lock)
        event.listen(session, "after_begin", writer.begin)
        event.listen(session, "after_transaction_end", writer.end)
        try:
            yield session
        finally:
            session.close()
            writer.release()


StateDep = Annotated[WebState, Depends(get_state)]
SessionDep = Annotated[Session, Depends(get_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]
