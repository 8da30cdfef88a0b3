"""Entities: the list, and everything claimed about or by one entity."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session
from starlette.responses import Response

from claims.canonical import metric_question
from claims.queries import entities_with_counts
from claims.views import entity_view
from web.deps import SessionDep, StateDep
from web.errors import found
from web.paging import LIST_PER_PAGE, PAGED, PagingQuery, link_header, require_page
from web.render import render_page, url_with
from web.schemas import ERRORS, TextId
from web.schemas_corpus import EntityListItem, EntityOut
from web.viewcache import ViewCache, cached_json

__all__ = ["router", "entity_data"]

router = APIRouter()


def entity_data(session: Session, entity_id: str, cache: ViewCache | None = None) -> dict[str, Any]:
    """One entity and its claims: the data of /entities/{id} and /api/entities/{id}, kept in ``cache``
    while the database is unchanged (a busy asserter's claims are found by a scan of evidence)."""
    data: dict[str, Any] | None = cached_json(
        cache, f"entity:{entity_id}", lambda: entity_view(session, entity_id=entity_id)
    )
    return found(data, "entity", entity_id)


@router.get(
    "/api/entities", response_model=list[EntityListItem], responses={**ERRORS, **PAGED}, tags=["entities"]
)
def api_entities(
    request: Request, response: Response, session: SessionDep, paging: PagingQuery
) -> list[dict[str, Any]]:
    """The entities with their aliases and how many claims are about each, most-discussed first; a page at
    a time (`Link` and `X-Total-Count` say where the rest is)."""
    rows, total = entities_with_counts(session, limit=paging.per_page, offset=paging.offset)
    link_header(request, response, paging, total)
    return rows


@router.get("/api/entities/{entity_id}", response_model=EntityOut, responses=ERRORS, tags=["entities"])
def api_entity(session: SessionDep, state: StateDep, entity_id: TextId) -> dict[str, Any]:
    """One entity: aliases, parent and children, the claims about it and the claims it asserts."""
    return entity_data(session, entity_id, state.summary_views)


@router.get("/entities", response_class=HTMLResponse, include_in_schema=False)
def entities_page(request: Request, session: SessionDep, paging: PagingQuery) -> Response:
    rows, total = entities_with_counts(session, limit=paging.per_page, offset=paging.offset)
    pages = require_page(paging, total, "entities")
    params = {"per_page": paging.per_page if paging.per_page != LIST_PER_PAGE else None}
    context = {"entities": rows, "total": total, "params": params, "page": paging.page,
               "pages": pages}
    return render_page(
        request, "entities.html", context, api_url=url_with("/api/entities", params, page=paging.page)
    )


@router.get("/entities/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
def entity_page(request: Request, session: SessionDep, state: StateDep, entity_id: TextId) -> Response:
    data = entity_data(session, entity_id, state.summary_views)
    questions = [
        (metric_question(metric, data["name"]), list(claims))
        for metric, claims in groupby(
            sorted(data["about"], key=lambda c: c["metric"]), key=lambda c: c["metric"]
        )
    ]
    questions.sort(key=lambda q: (not any(c["status"] in ("disputed", "refuted") for c in q[1]), q[0]))
    return render_page(
        request, "entity.html", {"entity": data, "questions": questions}, api_url=f"/api/entities/{entity_id}"
    )
