"""The graph: claims, sources and entities with their links, as node-link JSON and as an interactive page."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import networkx as nx
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.responses import Response

from claims.graph_reads import claims_at, claims_graph, contradicted, most_linked, within
from web.deps import SessionDep, StateDep
from web.render import render_page, url_with
from web.schemas import ERRORS, GraphOut
from web.viewcache import cached_json

__all__ = ["router", "GraphQuery", "graph_data", "PAGE_MAX_CLAIMS", "MAX_CLAIMS"]

router = APIRouter()
# What the page asks for by default: a browser lays out a few hundred claims quickly, not thousands.
PAGE_MAX_CLAIMS = 150
# What an answer holds at most: the graph is served by parts, never the whole database's at once
MAX_CLAIMS = 2000


class GraphQuery(BaseModel):
    """Which part of the graph to answer with."""

    focus: str | None = Field(
        None, max_length=200, description="a node id: claim:c-…, source:s-…, entity:deepseek"
    )
    radius: int = Field(1, ge=1, le=4, description="how many steps around the focus node")
    view: Literal["all", "disputes"] = Field("all", description="'disputes': only claims in contradictions")
    max_claims: int | None = Field(
        None,
        ge=1,
        le=MAX_CLAIMS,
        description=f"at most this many claims, most linked first ({MAX_CLAIMS} when not given)",
    )
    quotes: bool = Field(True, description="false leaves the quotes off evidence links (a lighter answer)")


def graph_data(session: Session, query: GraphQuery) -> dict[str, Any]:
    """A part of the graph as node-link JSON: the data of /graph and /api/graph.

    Read from the database for what it shows: the claims a focus node touches and those within
    ``radius`` relations of them (a claim's own sources, subject and asserters come along, never their
    other claims), or the most linked claims; ``view=disputes`` keeps the claims in contradictions. At most
    ``max_claims`` (``MAX_CLAIMS`` when not given), the most linked first."""
    limit = query.max_claims or MAX_CLAIMS
    if query.focus:
        touched = claims_at(session, query.focus)
        steps = query.radius if query.focus.startswith("claim:") else query.radius - 1
        claims = within(session, touched, steps)
        if query.view == "disputes":
            claims = contradicted(session, claims)
        if len(claims) > limit:  # the most linked, and a focused claim always
            focus = touched if query.focus.startswith("claim:") else set()
            claims = focus | set(most_linked(session, limit - len(focus), among=claims - focus))
    else:
        claims = set(most_linked(session, limit, kind="contradicts" if query.view == "disputes" else None))
    graph = claims_graph(session, claims)
    if query.focus and query.focus not in graph:
        graph.add_node(query.focus, type=query.focus.partition(":")[0], label=query.focus)
    data: dict[str, Any] = nx.node_link_data(graph, edges="links")
    if not query.quotes:
        for link in data["links"]:
            link.pop("quote", None)
    return data


@router.get("/api/graph", response_model=GraphOut, responses=ERRORS, tags=["graph"])
def api_graph(session: SessionDep, state: StateDep, query: Annotated[GraphQuery, Query()]) -> dict[str, Any]:
    """Node-link JSON (networkx): nodes have a `type` (claim, source, entity); links a `relation`."""
    data: dict[str, Any] = cached_json(
        state.summary_views, "graph:" + query.model_dump_json(), lambda: graph_data(session, query)
    )
    return data


@router.get("/graph", response_class=HTMLResponse, include_in_schema=False)
def graph_page(request: Request, session: SessionDep, query: Annotated[GraphQuery, Query()]) -> Response:
    if query.focus:
        graph_data(session, query)  # an unknown focus is a 404 page, not an empty canvas
    view = query.view if query.focus or "view" in request.query_params else "disputes"
    params = {
        "focus": query.focus,
        "radius": query.radius if query.focus else None,
        "view": view,
        "max_claims": query.max_claims or PAGE_MAX_CLAIMS,
        "quotes": "false",
    }
    return render_page(
        request, "graph.html", {"focus": query.focus, "view": view}, api_url=url_with("/api/graph", params)
    )
