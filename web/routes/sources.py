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
from web.paging import LIST_PER_PAGE, PAGED, PagingQuery, link_header, require_page
from web.render import render_page, url_with
from web.schemas import ERRORS, NO_NUL, SourceListItem, TextId
from web.schemas_corpus import SourceOut

__all__ = ["router", "source_data"]

router = APIRouter()
Superseded = Annotated[bool, Query(description="also list earlier versions of re-ingested documents")]
SourceSearch = Annotated[
    str | None, Query(max_length=200, pattern=NO_NUL, description="words of the title, or the start of an id")
]
PICKER_SIZE = 20  # sources the evidence form's picker offers for a search


def source_data(session: Session, source_id: str, *, request: Request | None = None) -> dict[str, Any]:
    """One source with its text and evidence: the data of /sources/{id} and /api/sources/{id}.

    A source that only held or rejected evidence cites is private: it answers 404, as a missing one does,
    to anyone who may not moderate; and held or rejected evidence in a public source is left out for them."""
    source = get_source(session, source_id=source_id)
    user = current_user(request, session) if request is not None and source is not None else None
    moderator = user is not None and can_moderate(user.role)
    if source is not None and not moderator and not is_public_source(session, source=source):
        source = None
    view = source_view(session, source_id=source_id, public=not moderator) if source else None
    return found(view, "source", source_id)


@router.get(
    "/api/sources",
    response_model=list[SourceListItem],
    responses={**ERRORS, **PAGED},
    tags=["sources"],
)
def api_sources(
    request: Request,
    response: Response,
    session: SessionDep,
    paging: PagingQuery,
    include_superseded: Superseded = False,
    q: SourceSearch = None,
) -> list[dict[str, Any]]:
    """The sources anyone may read (with `q`, those whose title holds it or whose id starts with it),
    documents first then by name, with how much accepted evidence each holds; a page at a time (`Link`
    and `X-Total-Count` say where the rest is)."""
    rows, total = sources_with_counts(
        session, include_superseded=include_superseded, q=q, limit=paging.per_page, offset=paging.offset
    )
    link_header(request, response, paging, total)
    return rows


@router.get("/api/sources/{source_id}", response_model=SourceOut, responses=ERRORS, tags=["sources"])
def api_source(request: Request, session: SessionDep, source_id: TextId) -> dict[str, Any]:
    """One source: its metadata, full text, and every piece of evidence found in it with offsets."""
    return source_data(session, source_id, request=request)


@router.get("/sources", response_class=HTMLResponse, include_in_schema=False)
def sources_page(
    request: Request, session: SessionDep, paging: PagingQuery, include_superseded: Superseded = False
) -> Response:
    rows, total = sources_with_counts(
        session, include_superseded=include_superseded, limit=paging.per_page, offset=paging.offset
    )
    pages = require_page(paging, total, "sources")
    params = {"include_superseded": "true" if include_superseded else None,
              "per_page": paging.per_page if paging.per_page != LIST_PER_PAGE else None}
    context = {"sources": rows, "total": total, "include_superseded": include_superseded, "params": params,
               "page": paging.page, "pages": pages,
               "first": paging.offset + 1}
    return render_page(
        request, "sources.html", context, api_url=url_with("/api/sources", params, page=paging.page)
    )


@router.get("/sources/options", response_class=HTMLResponse, include_in_schema=False)
def source_options(request: Request, session: SessionDep, q: SourceSearch = None) -> Response:
    """The evidence form's source picker: the ``<option>``s of the sources a search finds (htmx swaps them
    into the form's list as one types)."""
    rows, total = sources_with_counts(session, q=q, limit=PICKER_SIZE)
    return render_page(
        request, "_source_options.html", {"sources": rows, "total": total, "q": q or ""}, api_url=None
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
