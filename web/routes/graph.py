"""The graph: claims, sources and entities with their links, as node-link JSON and as an interactive page."""

from __future__ import annotations

from typing import Annotated, Any

import networkx as nx
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session
from starlette.responses import Response

from claims.errors import NotFound
from claims.export import graph_of
from claims.graph import neighbourhood
from web.deps import SessionDep
from web.render import render_page, url_with
from web.routes.claims import ERRORS
from web.schemas import GraphOut

__all__ = ["router", "graph_data"]

router = APIRouter()
Focus = Annotated[
    str | None,
    Query(max_length=200, description="a node id such as claim:c-…, source:s-… or entity:deepseek"),
]
Radius = Annotated[int, Query(ge=1, le=4, description="how many steps around the focus node")]


def graph_data(session: Session, focus: str | None = None, radius: int = 1) -> dict[str, Any]:
    """The whole graph, or the neighbourhood of one node: the data of /graph and /api/graph."""
    graph = graph_of(session)
    if focus:
        if focus not in graph:
            raise NotFound(f"no node {focus!r} in the graph")
        graph = neighbourhood(graph, focus, radius=radius)
    data: dict[str, Any] = nx.node_link_data(graph, edges="links")
    return data


@router.get("/api/graph", response_model=GraphOut, responses=ERRORS, tags=["graph"])
def api_graph(session: SessionDep, focus: Focus = None, radius: Radius = 1) -> dict[str, Any]:
    """Node-link JSON (networkx): nodes have a `type` (claim, source, entity); links a `relation`."""
    return graph_data(session, focus, radius)


@router.get("/graph", response_class=HTMLResponse, include_in_schema=False)
def graph_page(request: Request, session: SessionDep, focus: Focus = None, radius: Radius = 1) -> Response:
    if focus:
        graph_data(session, focus, radius)  # an unknown focus is a 404 page, not an empty canvas
    api_url = url_with("/api/graph", {"focus": focus, "radius": radius if focus else None})
    return render_page(request, "graph.html", {"focus": focus}, api_url=api_url)
