"""What routes depend on: the app state (engine, templates, vocabulary, secret) and a session per request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine
from sqlmodel import Session

from claims.vocabulary import Vocabulary
from web.settings import Settings

__all__ = ["WebState", "get_state", "get_session", "StateDep", "SessionDep"]


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


StateDep = Annotated[WebState, Depends(get_state)]
SessionDep = Annotated[Session, Depends(get_session)]
