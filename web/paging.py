"""Paging for the lists that answer a JSON array (``/api/sources``, ``/api/entities``) and their pages.

The array stays an array, as clients already read it; where it continues is said in headers, the way
GitHub's API does: ``Link`` (RFC 8288: ``first``, ``prev``, ``next``, ``last``) and ``X-Total-Count``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response

from claims.errors import NotFound
from web.render import url_with
from web.schemas import MAX_PAGE

__all__ = [
    "LIST_PER_PAGE",
    "MAX_LIST_PER_PAGE",
    "PAGED",
    "Paging",
    "FIRST_PAGE",
    "PagingQuery",
    "pages_of",
    "link_header",
    "require_page",
]

LIST_PER_PAGE = 100
MAX_LIST_PER_PAGE = 500


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


FIRST_PAGE = Paging(page=1, per_page=LIST_PER_PAGE)


def _paging(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="which page, from 1")] = 1,
    per_page: Annotated[
        int, Query(ge=1, le=MAX_LIST_PER_PAGE, description="items per page (the default is 100)")
    ] = LIST_PER_PAGE,
) -> Paging:
    return Paging(page=page, per_page=per_page)


PagingQuery = Annotated[Paging, Depends(_paging)]


# The OpenAPI description of the headers every paged list answers with
PAGED: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "Link": {"description": "the first, previous, next and last pages (RFC 8288)",
                     "schema": {"type": "string"}},
            "X-Total-Count": {"description": "how many items all pages hold", "schema": {"type": "integer"}},
        }
    }
}


def require_page(paging: Paging, total: int, what: str) -> int:
    """How many pages there are; NotFound (a 404 page) when the page asked for is past the last. Page 1
    always exists, for an empty list.

    >>> require_page(Paging(1, 100), 0, "sources"), require_page(Paging(2, 100), 101, "sources")
    (1, 2)
    >>> require_page(Paging(3, 100), 101, "sources")
    Traceback (most recent call last):
    claims.errors.NotFound: there is no page 3: the sources fill 2
    """
    pages = pages_of(total, paging.per_page)
    if paging.page > pages:
        raise NotFound(f"there is no page {paging.page}: the {what} fill {pages}")
    return pages


def pages_of(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill (at least one, so that an empty list has a page 1).

    >>> pages_of(0, 100), pages_of(100, 100), pages_of(101, 100)
    (1, 1, 2)
    """
    return max(1, -(-total // per_page))


def link_header(request: Request, response: Response, paging: Paging, total: int) -> None:
    """Say on ``response`` how many items there are and where the other pages are.

    >>> from starlette.requests import Request as R
    >>> request = R({"type": "http", "path": "/api/sources", "query_string": b"per_page=2&page=2",
    ...              "headers": [], "method": "GET"})
    >>> response = Response()
    >>> link_header(request, response, Paging(page=2, per_page=2), 5)
    >>> response.headers["x-total-count"]
    '5'
    >>> print(response.headers["link"].replace(", ", "\\n"))
    </api/sources?per_page=2&page=1>; rel="first"
    </api/sources?per_page=2&page=1>; rel="prev"
    </api/sources?per_page=2&page=3>; rel="next"
    </api/sources?per_page=2&page=3>; rel="last"
    """
    last = pages_of(total, paging.per_page)
    params = dict(request.query_params)
    links = [("first", 1)]
    if paging.page > 1:
        links.append(("prev", min(paging.page - 1, last)))
    if paging.page < last:
        links.append(("next", paging.page + 1))
    links.append(("last", last))
    response.headers["Link"] = ", ".join(f'<{url_with(request.url.path, params, page=n)}>; rel="{rel}"'
                                         for rel, n in links)
    response.headers["X-Total-Count"] = str(total)
