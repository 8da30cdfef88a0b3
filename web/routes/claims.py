"""Claims: the filtered list and one claim, each as a page and as JSON from the same data function."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from claims.accounts import can_moderate
from claims.models import STATUSES, Claim, Evidence
from claims.queries import (
    claim_facets,
    entity_names,
    evidence_counts,
    most_cited_sources,
    party_index,
    sources_with_counts,
)
from claims.store import list_claims, matching_claim_ids
from claims.views import claim_summary, claim_view
from claims.vocabulary import norm_name
from web import csrf
from web.auth import cached_user
from web.charts import spread_chart
from web.deps import SessionDep, StateDep, WebState, get_state
from web.errors import found
from web.render import render_page, url_with
from web.schemas import ERRORS, ClaimFilters, ClaimId, ClaimList, ClaimOut, FacetsOut
from web.submission import EvidenceForm
from web.viewcache import CachedView, ViewCache, cached_json, etag_matches

__all__ = ["router", "claim_list", "claim_list_facets", "render_claim_page"]

router = APIRouter()
FilterQuery = Annotated[ClaimFilters, Query()]
ALL = 1_000_000
RELATION_ORDER = ("contradicts", "misattribution", "different_scope", "corroborates", "derived_from")
RELATION_TITLES = {
    "contradicts": "Contradicts",
    "misattribution": "The same figure credited to another model",
    "different_scope": "Different scope",
    "corroborates": "Corroborates",
    "derived_from": "Derived from",
}


def _matching(
    session: Session, active: dict[str, str], *, page: int = 1, per_page: int = ALL
) -> tuple[list[Claim], int]:
    return list_claims(
        session,
        status=active.get("status"),
        subject=active.get("subject"),
        metric=active.get("metric"),
        source=active.get("source"),
        asserted_by=active.get("asserted_by"),
        q=active.get("q"),
        page=page,
        per_page=per_page,
    )


def claim_list(session: Session, filters: ClaimFilters) -> dict[str, Any]:
    """One page of claims matching the filters, disputed first: the data of /claims and /api/claims."""
    claims, total = _matching(session, filters.active(), page=filters.page, per_page=filters.per_page)
    subjects = entity_names(session, ids={c.subject_id for c in claims})
    counts = evidence_counts(session, claim_ids={c.id for c in claims})
    items = [
        claim_summary(c, subjects.get(c.subject_id))
        | {
            "evidence_count": counts.get(c.id, {}).get("evidence", 0),
            "source_count": counts.get(c.id, {}).get("sources", 0),
        }
        for c in claims
    ]
    return {"items": items, "total": total, "page": filters.page, "per_page": filters.per_page}


def claim_list_facets(
    session: Session, filters: ClaimFilters, cache: ViewCache | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Counts per status, subject, metric, source and asserter (the most frequent values, and the one in
    use); each ignores its own filter. Counted in the database; kept in ``cache`` per filters while the
    database is unchanged."""
    active = filters.active()
    key = json.dumps(active, sort_keys=True)
    facets: dict[str, list[dict[str, Any]]] = cached_json(cache, key, lambda: _count_facets(session, active))
    return facets


def _count_facets(session: Session, active: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    facets = claim_facets(session, ids=matching_claim_ids(session, **active), current=active)
    for name in set(active) & set(facets):
        others = {k: v for k, v in active.items() if k != name}
        ids = matching_claim_ids(session, **others)
        facets[name] = claim_facets(session, ids=ids, facets=[name], current=active)[name]
    return facets


@router.get("/api/claims", response_model=ClaimList, responses=ERRORS, tags=["claims"])
def api_claims(session: SessionDep, filters: FilterQuery) -> dict[str, Any]:
    """Claims matching every given filter, disputed first, a page at a time."""
    return claim_list(session, filters)


@router.get("/api/claims/facets", response_model=FacetsOut, responses=ERRORS, tags=["claims"])
def api_claim_facets(session: SessionDep, state: StateDep, filters: FilterQuery) -> dict[str, Any]:
    """How many claims each filter value would give, under the other filters: for each filter its 50 most
    frequent values and the one in use."""
    return claim_list_facets(session, filters, state.summary_views)


def claim_json(session: Session, claim_id: str) -> bytes | None:
    """The body of GET /api/claims/{id}: the claim view through ClaimOut, as JSON bytes (None: no claim)."""
    view = claim_view(session, claim_id=claim_id)
    return None if view is None else ClaimOut.model_validate(view).model_dump_json(by_alias=True).encode()


def _claim_entry(state: WebState, claim_id: str) -> CachedView | None:
    with Session(state.engine, expire_on_commit=False) as session:  # connects only when the view is built
        return state.claim_views.get_or_build(claim_id, lambda: claim_json(session, claim_id))


@router.get("/api/claims/{claim_id}", response_model=ClaimOut, responses=ERRORS, tags=["claims"])
async def api_claim(request: Request, claim_id: ClaimId) -> Response:
    """One claim: status and reasons, evidence with quotes and sources, related claims, spread of values.

    Answers carry an `ETag`; send it back in `If-None-Match` to get `304 Not Modified` while the
    claim's data is unchanged."""
    state = get_state(request)
    # a cached answer is served on the event loop when checking the data version costs no I/O (SQLite);
    # building one (and the check on a database server) runs in a worker thread, like any sync route
    entry = state.claim_views.peek(claim_id) if state.claim_views.cheap else None
    if entry is None:
        entry = await run_in_threadpool(_claim_entry, state, claim_id)
    entry = found(entry, "claim", claim_id)
    headers = {"ETag": entry.etag, "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), entry.etag):
        return Response(status_code=304, headers=headers)
    return Response(entry.body, media_type="application/json", headers=headers)


@router.get("/claims", response_class=HTMLResponse, include_in_schema=False)
def claims_page(request: Request, session: SessionDep, filters: FilterQuery) -> Response:
    data = claim_list(session, filters)
    pages = max(1, -(-data["total"] // filters.per_page))
    params = filters.model_dump(exclude_none=True, exclude_defaults=True)
    return render_page(
        request,
        "claims.html",
        {
            "data": data,
            "filters": filters,
            "params": params,
            "pages": pages,
            "facets": claim_list_facets(session, filters, get_state(request).summary_views),
        },
        api_url=url_with("/api/claims", params),
    )


def _asserter_links(view: dict[str, Any], index: dict[str, tuple[str, str]]) -> None:
    for ev in view["evidence"]:
        ev["party_links"] = [
            {"name": p, "entity_id": index.get(norm_name(p), (None,))[0]}
            for p in ev["parties"]
            if p != "author"
        ]


def _related_by_kind(related: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rel in related:
        groups[rel["kind"]].append(rel)
    order = [k for k in RELATION_ORDER if k in groups] + sorted(set(groups) - set(RELATION_ORDER))
    return [(RELATION_TITLES.get(k, k.replace("_", " ")), groups[k]) for k in order]


def _flash(request: Request, view: dict[str, Any]) -> dict[str, str] | None:
    added = request.query_params.get("added")
    if not added or not any(ev["id"] == added for ev in view["evidence"]):
        return None
    was = request.query_params.get("was")
    return {"evidence_id": added, "was": was if was in STATUSES else view["status"]}


def _held(request: Request, session: Session, claim_id: str) -> bool:
    """True when the browser comes back from submitting evidence that is now held for moderation."""
    held = request.query_params.get("held")
    evidence = session.get(Evidence, held) if held else None
    return evidence is not None and evidence.claim_id == claim_id and evidence.review == "pending"


PICKER_TOP = 30  # the most cited sources the evidence form offers before any search


def picker_sources(
    session: Session, view: dict[str, Any], chosen: str | None, cache: ViewCache | None = None
) -> list[dict[str, Any]]:
    """What the evidence form's source list offers before a search: the claim's own sources, the most
    cited ones (counted over all evidence, so kept in ``cache`` while the database is unchanged), and the
    one already chosen (a form sent back with errors), never a list of every source."""
    offered = {ev["source"]["id"]: {"id": ev["source"]["id"], "title": ev["source"]["title"]}
               for ev in view["evidence"]}
    for row in cached_json(cache, "most-cited", lambda: most_cited_sources(session, limit=PICKER_TOP)):
        offered.setdefault(row["id"], row)
    if chosen and chosen not in offered:
        offered.update((row["id"], row) for row in sources_with_counts(session, q=chosen, limit=1)[0]
                       if row["id"] == chosen)
    return list(offered.values())


def render_claim_page(
    request: Request,
    session: Session,
    state: WebState,
    claim_id: str,
    *,
    form: EvidenceForm | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The claim page, with the evidence form as submitted (and its errors) when it needs fixing."""
    user = cached_user(request)
    moderator = can_moderate(user.role if user else None)
    view = found(claim_view(session, claim_id=claim_id, moderator=moderator), "claim", claim_id)
    parties = party_index(session)
    _asserter_links(view, parties)
    token = csrf.token_for(request, state.secret)
    response = render_page(
        request,
        "claim.html",
        {
            "claim": view,
            "chart": spread_chart(view["spread"], unit=view["unit"]),
            "related": _related_by_kind(view["related"]),
            "flash": _flash(request, view),
            "held": _held(request, session, claim_id),
            "can_moderate": moderator,
            "form": form or EvidenceForm(),
            "errors": errors or {},
            "csrf_token": token,
            "sources": picker_sources(session, view, (form or EvidenceForm()).source_id, state.summary_views),
            "parties": sorted({name for _, name in parties.values()}),
        },
        api_url=f"/api/claims/{claim_id}",
        status_code=status_code,
    )
    return response


@router.get("/claims/{claim_id}", response_class=HTMLResponse, include_in_schema=False)
def claim_page(request: Request, session: SessionDep, state: StateDep, claim_id: str) -> Response:
    return render_claim_page(request, session, state, claim_id)
