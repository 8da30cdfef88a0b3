"""One error path: what a request raises becomes ``{"detail": ...}`` (a page for browsers) with its status."""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from claims.errors import Conflict, InvalidInput, NotFound
from web.render import render_page

__all__ = ["FormErrors", "found", "describe", "handle_error", "install_error_handler", "wants_html"]

log = logging.getLogger("web.errors")
T = TypeVar("T")
_LOCATIONS = {"body", "query", "path", "form", "header", "cookie"}


class FormErrors(InvalidInput):
    """Every problem with a submitted form or body, by field (the first one is the message)."""

    def __init__(self, errors: dict[str, str]) -> None:
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = dict(errors)


def found(value: T | None, what: str, key: str) -> T:
    """``value``, or NotFound naming the missing ``what`` when a lookup gave None (a 404 for the client).

    >>> found({"id": "c-1"}, "claim", "c-1")
    {'id': 'c-1'}
    """
    if value is None:
        raise NotFound(f"no {what} with id {key!r}")
    return value


def _validation_errors(exc: RequestValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in _LOCATIONS and not isinstance(p, int)]
        field = ".".join(loc) or "body"
        if err.get("type") == "json_invalid":
            message = f"the body is not valid JSON ({err.get('ctx', {}).get('error', 'syntax error')})"
        elif err.get("type") == "missing" and field == "body":
            message = "a JSON body is required"
        else:
            message = str(err.get("msg", "invalid value"))
        out.setdefault(field, message)
    return out


def describe(exc: Exception) -> tuple[int, str, dict[str, str] | None]:
    """The status, message and field errors an exception stands for; anything unforeseen is a 500."""
    if isinstance(exc, NotFound):
        return 404, str(exc), None
    if isinstance(exc, FormErrors):
        return 422, "; ".join(f"{k}: {v}" for k, v in exc.errors.items()), exc.errors
    if isinstance(exc, InvalidInput):
        return 422, str(exc), {exc.field: str(exc)} if exc.field else None
    if isinstance(exc, Conflict):
        return 409, str(exc), None
    if isinstance(exc, RequestValidationError):
        errors = _validation_errors(exc)
        return 422, "; ".join(f"{k}: {v}" for k, v in errors.items()), errors
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code, str(exc.detail), None
    return 500, "internal error: the server could not answer this request (it has been logged)", None


def wants_html(request: Request) -> bool:
    """Browsers asking for a page get an error page; scripts and /api/ get JSON."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


async def handle_error(request: Request, exc: Exception) -> Response:
    """The single exception handler of the app."""
    status, detail, errors = describe(exc)
    if status >= 500:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    headers = getattr(exc, "headers", None) if isinstance(exc, StarletteHTTPException) else None
    if wants_html(request):
        return render_page(
            request,
            "error.html",
            {"status": status, "detail": detail},
            api_url=None,
            status_code=status,
            headers=headers,
        )
    body: dict[str, Any] = {"detail": detail}
    if errors:
        body["errors"] = [{"field": k, "message": v} for k, v in errors.items()]
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handler(app: FastAPI) -> None:
    """Route every error class through ``handle_error``."""
    for cls in (NotFound, InvalidInput, Conflict, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(cls, handle_error)
