"""Pages: the Jinja2 environment (autoescaped), its filters, and rendering page data with its JSON link."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from claims.canonical import metric_label
from web import csrf
from web.auth import cached_user
from web.viewcache import etag_matches, etag_of

__all__ = [
    "TEMPLATES",
    "make_templates",
    "compact",
    "url_with",
    "asserter_label",
    "short_origin",
    "tail_words",
    "head_words",
    "render_page",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def compact(value: float | None, unit: str = "") -> str:
    """A short label for a number on an axis.

    >>> compact(5_600_000, "USD"), compact(50_000, "GPU"), compact(93.3, "percent"), compact(2.5, "x")
    ('$5.6M', '50K', '93.3%', '2.5x')
    >>> compact(None), compact(0.55, "USD/1M tokens"), compact(2048, "GPU")
    ('?', '$0.55', '2.05K')
    """
    if value is None:
        return "?"
    body = f"{value:g}"
    for size, suffix in _SUFFIXES:
        if abs(value) >= size:
            body = f"{value / size:.3g}{suffix}"
            break
    if unit.startswith("USD"):
        return "$" + body
    return body + {"percent": "%", "x": "x"}.get(unit, "")


def url_with(path: str, params: Mapping[str, Any], **changes: Any) -> str:
    """``path`` with the query ``params`` updated by ``changes``; empty values are left out.

    >>> url_with("/claims", {"status": "disputed", "page": 3}, page=None, metric="gpu_count")
    '/claims?status=disputed&metric=gpu_count'
    """
    merged = {**params, **changes}
    query = urlencode([(k, v) for k, v in merged.items() if v not in (None, "")])
    return f"{path}?{query}" if query else path


def asserter_label(asserted_by: str | None, author: str | None = None) -> str:
    """Who asserts a piece of evidence, in words.

    >>> asserter_label("author"), asserter_label("author", "Ben Thompson"), asserter_label("Alexandr Wang")
    ('the article’s author', 'Ben Thompson (author)', 'Alexandr Wang')
    """
    if not asserted_by or asserted_by == "author":
        return f"{author} (author)" if author else "the article’s author"
    return asserted_by


def short_origin(origin: str, width: int = 36) -> str:
    """An origin with a long article title cut short.

    >>> short_origin("the author of «DeepSeek and the end of an era, and what comes next»", 20)
    'the author of «DeepSeek and the end…»'
    >>> short_origin("Alexandr Wang")
    'Alexandr Wang'
    """
    match = re.fullmatch(r"(.*?«)(.*)(».*)", origin)
    if not match or len(match[2]) <= width:
        return origin
    return f"{match[1]}{match[2][:width].rstrip()}…{match[3]}"


def tail_words(text: str, size: int = 150) -> str:
    """The end of ``text``, at most ``size`` characters, starting at a word.

    >>> tail_words("one two three four", 10), tail_words("one two three four", 9)
    ('three four', 'four')
    """
    if len(text) <= size:
        return text
    cut = text[-size:]
    return cut.split(" ", 1)[-1] if text[-size - 1] != " " and " " in cut else cut


def head_words(text: str, size: int = 150) -> str:
    """The start of ``text``, at most ``size`` characters, ending at a word.

    >>> head_words("one two three four", 7), head_words("one two three four", 9)
    ('one two', 'one two')
    """
    if len(text) <= size:
        return text
    cut = text[:size]
    return cut.rsplit(" ", 1)[0] if text[size] != " " and " " in cut else cut


def web_link(url: str | None) -> str | None:
    """The address if it may become a link (http or https), else None: a 'javascript:' or 'data:' address
    from a file's front matter is shown as text, never followed.

    >>> web_link("https://example.org/a"), web_link("javascript:alert(1)"), web_link(" JAVASCRIPT:x")
    ('https://example.org/a', None, None)
    """
    if not url:
        return None
    scheme = urlsplit(url.strip()).scheme.lower()
    return url if scheme in ("http", "https") else None


def make_templates() -> Jinja2Templates:
    """The page templates with autoescaping on for every file and this app's filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        compact=compact,
        asserter=asserter_label,
        metric_label=metric_label,
        short_origin=short_origin,
        tail_words=tail_words,
        head_words=head_words,
        web_link=web_link,
    )
    env.globals.update(url_with=url_with)
    return Jinja2Templates(env=env)


def render_page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    api_url: str | None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Render a page; ``api_url`` is the JSON twin it links to (``<link rel=alternate>`` and the footer).

    The header shows who is signed in (with a log-out form, hence a CSRF token); a page whose forms
    asked for a CSRF token gets its cookie set here, once.
    """
    state = request.app.state.web
    user = cached_user(request)
    if user is not None:
        csrf.token_for(request, state.secret)
    templates: Jinja2Templates = state.templates
    context = {"api_url": api_url, "site_title": state.settings.title, "current_user": user,
               "nav_csrf": getattr(request.state, "csrf_token", None), **context}
    response = templates.TemplateResponse(
        request, template, context, status_code=status_code, headers=headers
    )
    token = getattr(request.state, "csrf_token", None)
    if token:
        csrf.remember(response, request, token)
    return _revalidated(request, response, private=user is not None)


def _revalidated(request: Request, response: Response, *, private: bool) -> Response:
    """A page answered as the JSON is: with an ``ETag`` of its bytes and ``Cache-Control: no-cache``, and
    ``304 Not Modified`` when the browser's copy (``If-None-Match``) is these bytes. A signed-in reader's
    pages are ``private``: no shared cache keeps them."""
    if request.method != "GET" or response.status_code != 200:
        return response
    etag = etag_of(bytes(response.body))
    response.headers["ETag"] = etag
    response.headers.setdefault("Cache-Control", "private, no-cache" if private else "no-cache")
    if not etag_matches(request.headers.get("if-none-match"), etag) or "set-cookie" in response.headers:
        return response
    kept = {k: v for k, v in response.headers.items() if k.lower() in ("etag", "cache-control", "vary")}
    return Response(status_code=304, headers=kept)
