"""The graph: claims, sources and entities with their links, as node-link JSON and as an interactive page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal, cast

import networkx as nx
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.responses import Response

from claims.errors import NotFound
from claims.export import graph_of
from claims.graph import neighbourhood
from web.deps import SessionDep
from web.render import render_page, url_with
from web.schemas import ERRORS, GraphOut

__all__ = ["router", "GraphQuery", "graph_data", "disputes_only", "PAGE_MAX_CLAIMS"]

router = APIRouter()
# What the page asks for by default: a browser lays out a few hundred claims quickly, not thousands.
PAGE_MAX_CLAIMS = 150


class GraphQuery(BaseModel):
    """Which part of the graph to answer with."""

    focus: str | None = Field(
        None, max_length=200, description="a node id: claim:c-…, source:s-…, entity:deepseek"
    )
    radius: int = Field(1, ge=1, le=4, description="how many steps around the focus node")
    view: Literal["all", "disputes"] = Field("all", description="'disputes': only claims in contradictions")
    max_claims: int | None = Field(
        None, ge=1, le=100_000, description="at most this many claims, most linked first"
    )
    quotes: bool = Field(True, description="false leaves the quotes off evidence links (a lighter answer)")


def _relation(data: dict[str, Any]) -> str:
    return str(data.get("relation") or data.get("type") or "")


def _claims(graph: nx.MultiDiGraph[str]) -> list[str]:
    # nodes(data="type") yields (node, its "type" attribute); the stubs type the second item as the whole dict
    return [n for n, kind in cast("Iterable[tuple[str, Any]]", graph.nodes(data="type")) if kind == "claim"]


def disputes_only(graph: nx.MultiDiGraph[str]) -> nx.MultiDiGraph[str]:
    """The claims joined by contradictions, with the sources and entities next to them."""
    rivals = {
        end for u, v, data in graph.edges(data=True) if _relation(data) == "contradicts" for end in (u, v)
    }
    return _with_neighbours(graph, rivals)


def _with_neighbours(graph: nx.MultiDiGraph[str], claims: set[str]) -> nx.MultiDiGraph[str]:
    around = {n for c in claims for n in nx.all_neighbors(graph, c) if graph.nodes[n].get("type") != "claim"}
    return graph.subgraph(claims | around).copy()


def _most_linked(graph: nx.MultiDiGraph[str], max_claims: int) -> nx.MultiDiGraph[str]:
    claims = sorted(_claims(graph), key=lambda n: (-graph.degree(n), n))
    return _with_neighbours(graph, set(claims[:max_claims]))


def graph_data(session: Session, query: GraphQuery) -> dict[str, Any]:
    """The graph, a neighbourhood or the disputes, as node-link JSON: the data of /graph and /api/graph."""
    graph = graph_of(session)
    if query.focus:
        if query.focus not in graph:
            raise NotFound(f"no node {query.focus!r} in the graph")
        graph = neighbourhood(graph, query.focus, radius=query.radius)
    if query.view == "disputes":
        graph = disputes_only(graph)
    if query.max_claims is not None and len(_claims(graph)) > query.max_claims:
        graph = _most_linked(graph, query.max_claims)
    data: dict[str, Any] = nx.node_link_data(graph, edges="links")
    if not query.quotes:
        for link in data["links"]:
            link.pop("quote", None)
    return data


@router.get("/api/graph", response_model=GraphOut, responses=ERRORS, tags=["graph"])
def api_graph(session: SessionDep, query: Annotated[GraphQuery, Query()]) -> dict[str, Any]:
    """Node-link JSON (networkx): nodes have a `type` (claim, source, entity); links a `relation`."""
    return graph_data(session, query)


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
