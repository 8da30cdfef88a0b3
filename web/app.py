"""The app factory: ``create_app(settings)`` builds engine, templates and routes; nothing runs at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from claims.db import DataVersion, init_db, make_engine
from claims.vocabulary import default_vocabulary
from web.deps import WebState
from web.errors import install_error_handler
from web.limits import install_limits
from web.render import make_templates
from web.routes import accounts, audit, claims, entities, evidence, exports, graph, moderation, pages, sources
from web.settings import Settings
from web.viewcache import ViewCache

__all__ = ["create_app", "STATIC", "CONTENT_SECURITY_POLICY", "PERMISSIONS_POLICY"]

STATIC = Path(__file__).resolve().parent / "static"
# Scripts and styles only from our own files: no inline script, no CDN. /docs (Swagger UI) sets a policy of
# its own that allows its inline bootstrap script by hash (web.routes.pages.docs_policy).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# No page of ours uses a camera, a microphone, the location, payments or sensors: nothing embedded may either.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), accelerometer=(), gyroscope=(), "
    "magnetometer=(), interest-cohort=()"
)
DESCRIPTION = """The claims graph of the DeepSeek debate: claims with computed statuses and reasons,
the evidence behind them (quotes with offsets into their sources), sources, entities, and the
relations between claims.

Errors always answer `{"detail": "..."}` with the right status; 422s add `errors`, one per bad field.
Writes (POST) are limited per client: a body over the size limit gets 413, and writes past the rate
limit get 429 with `Retry-After` (seconds).
Every page of the web app links to the resource here that holds its data."""


class SecurityHeaders:
    """Adds a content security policy and the usual hardening headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                # only over https: browsers ignore it on http, and a local server must stay reachable on http
                if scope.get("scheme") == "https":
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)


SUMMARY_CACHE_BYTES = 32 * 1024 * 1024  # facet counts and overviews are a few kB to a few 100 kB each


def create_app(settings: Settings) -> FastAPI:
    """The web app and JSON API over the database at ``settings.database_url``."""
    engine = make_engine(settings.database_url)
    init_db(engine)
    data_version = DataVersion(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        data_version.close()
        engine.dispose()

    app = FastAPI(
        title=settings.title,
        version="1.0",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.web = WebState(
        settings=settings,
        engine=engine,
        templates=make_templates(),
        vocabulary=default_vocabulary(),
        secret=settings.resolved_secret(),
        claim_views=ViewCache(data_version.current, max_bytes=settings.view_cache_bytes,
                              cheap=data_version.in_process),
        summary_views=ViewCache(data_version.current, max_bytes=SUMMARY_CACHE_BYTES),
    )
    install_error_handler(app)
    install_limits(
        app,
        max_body_bytes=settings.max_body_bytes,
        write_rate=settings.write_rate,
        write_burst=settings.write_burst,
        max_clients=settings.rate_limit_clients,
        key=settings.rate_limit_key,
    )
    app.add_middleware(SecurityHeaders)  # outermost: refusals by the limits carry the headers too
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (pages, exports, claims, evidence, sources, entities, graph, accounts, moderation, audit):
        app.include_router(module.router)
    return app
