"""What routes depend on: the app state (engine, templates, vocabulary, secret) and a session per request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from claims.db import is_sqlite
from claims.vocabulary import Vocabulary
from web.settings import Settings

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


def get_state(request: Request) -> WebState:
    """The state ``create_app`` stored on the app."""
    state: WebState = request.app.state.web
    return state


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; routes that write commit it themselves, before they answer."""
    with Session(get_state(request).engine, expire_on_commit=False) as session:
        yield session


def _begin_immediate(_session: Session, _transaction: Any, connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def get_write_session(request: Request) -> Iterator[Session]:
    """A session for a request that writes: on SQLite its transaction takes the write lock up front.

    BEGIN IMMEDIATE (issued when the route first touches the database, in the route's own thread)
    means what the request reads before it writes cannot be changed by another writer before it
    writes: two identical posts at once find, not both create, the same source; the status a claim
    had is the one the new evidence changed. Writers queue in SQLite's busy timeout. Other databases
    take their own row locks; the session is then an ordinary one.
    """
    engine = get_state(request).engine
    with Session(engine, expire_on_commit=False) as session:
        if is_sqlite(engine):
            event.listen(session, "after_begin", _begin_immediate, once=True)
        yield session


StateDep = Annotated[WebState, Depends(get_state)]
SessionDep = Annotated[Session, Depends(get_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]
