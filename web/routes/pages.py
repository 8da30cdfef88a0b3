"""The home page (disputes by question, corpus counts) with its JSON twin, and the offline API docs."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from sqlmodel import Session
from starlette.responses import Response

from claims.views import overview
from web.deps import SessionDep, StateDep, WebState
from web.render import render_page
from web.schemas import ERRORS, OverviewOut
from web.viewcache import cached_json

__all__ = ["router", "SWAGGER_JS", "SWAGGER_CSS"]

router = APIRouter()
HOME_QUESTIONS = 12
Limit = Annotated[int, Query(ge=1, le=1000, description="how many disputed questions to list")]
SWAGGER_JS = "/static/vendor/swagger-ui-bundle-5.35.0.js"
SWAGGER_CSS = "/static/vendor/swagger-ui-5.35.0.css"


@router.get("/api/overview", response_model=OverviewOut, responses=ERRORS, tags=["overview"])
def api_overview(session: SessionDep, state: StateDep, limit: Limit = HOME_QUESTIONS) -> dict[str, Any]:
    """Corpus counts, the disputes grouped by question with each rival value's origins, and the sources."""
    return overview_data(session, state, limit)


def overview_data(session: Session, state: WebState, limit: int) -> dict[str, Any]:
    """The data of / and /api/overview, kept while the database is unchanged."""
    data: dict[str, Any] = cached_json(
        state.summary_views, f"overview:{limit}", lambda: overview(session, limit=limit)
    )
    return data


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home_page(
    request: Request, session: SessionDep, state: StateDep, limit: Limit = HOME_QUESTIONS
) -> Response:
    api_url = "/api/overview" + (f"?limit={limit}" if limit != HOME_QUESTIONS else "")
    data = overview_data(session, state, limit)
    return render_page(request, "home.html", {"data": data, "limit": limit}, api_url=api_url)


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def api_docs() -> HTMLResponse:
    """Swagger UI from the vendored copy, so the docs work offline, under a content security policy that
    allows its one inline bootstrap script by hash and nothing else inline."""
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="DeepSeek claims tracker API",
        swagger_js_url=SWAGGER_JS,
        swagger_css_url=SWAGGER_CSS,
        swagger_favicon_url="/static/favicon.svg",
        # no badge from validator.swagger.io: the docs make no request outside this server
        swagger_ui_parameters={"validatorUrl": None},
    )
    page.headers["Content-Security-Policy"] = docs_policy(bytes(page.body).decode("utf-8"))
    return page


def docs_policy(html: str) -> str:
    """The docs page's policy: our own files, plus the page's inline scripts by their sha256.

    >>> "sha256-" in docs_policy("<script>boot()</script>")
    True
    """
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
