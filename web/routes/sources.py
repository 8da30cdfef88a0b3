"""Sources: the list and one source's text with every extracted figure highlighted and linked to its claim."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session
from starlette.responses import Response

from claims.accounts import can_moderate
from claims.queries import is_public_source, sources_with_counts
from claims.store import get_source
from claims.views import source_view
from web.auth import current_user
from web.deps import SessionDep
from web.errors import found
from web.highlight import segments
from web.render import render_page
from web.schemas import ERRORS, SourceListItem, TextId
from web.schemas_corpus import SourceOut

__all__ = ["router", "source_data"]

router = APIRouter()
Superseded = Annotated[bool, Query(description="also list earlier versions of re-ingested documents")]


def source_data(session: Session, source_id: str, *, request: Request | None = None) -> dict[str, Any]:
    """One source with its text and evidence: the data of /sources/{id} and /api/sources/{id}.

    A source that only held or rejected evidence cites is private: it answers 404, as a missing one does,
    to anyone who may not moderate."""
    source = get_source(session, source_id=source_id)
    if source is not None and not is_public_source(session, source=source):
        user = current_user(request, session) if request is not None else None
        if user is None or not can_moderate(user.role):
            source = None
    return found(source_view(session, source_id=source_id) if source else None, "source", source_id)


@router.get("/api/sources", response_model=list[SourceListItem], responses=ERRORS, tags=["sources"])
def api_sources(session: SessionDep, include_superseded: Superseded = False) -> list[dict[str, Any]]:
    """Every source with how much accepted evidence it holds."""
    return sources_with_counts(session, include_superseded=include_superseded)


@router.get("/api/sources/{source_id}", response_model=SourceOut, responses=ERRORS, tags=["sources"])
def api_source(request: Request, session: SessionDep, source_id: TextId) -> dict[str, Any]:
    """One source: its metadata, full text, and every piece of evidence found in it with offsets."""
    return source_data(session, source_id, request=request)


@router.get("/sources", response_class=HTMLResponse, include_in_schema=False)
def sources_page(request: Request, session: SessionDep, include_superseded: Superseded = False) -> Response:
    data = sources_with_counts(session, include_superseded=include_superseded)
    api_url = "/api/sources" + ("?include_superseded=true" if include_superseded else "")
    return render_page(
        request, "sources.html", {"sources": data, "include_superseded": include_superseded}, api_url=api_url
    )


@router.get("/sources/{source_id}", response_class=HTMLResponse, include_in_schema=False)
def source_page(
    request: Request,
    session: SessionDep,
    source_id: TextId,
    evidence: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    data = source_data(session, source_id, request=request)
    figures = [ev for ev in data["evidence"] if ev["review"] in ("accepted", "pending")]
    return render_page(
        request,
        "source.html",
        {
            "source": data,
            "segments": segments(data["text"], figures, current=evidence),
            "current": evidence,
            "figures": figures,
        },
        api_url=f"/api/sources/{source_id}",
    )
