"""Limits on what a client may send: body size (413) and the pace of writes (429), as pure ASGI middleware.

Both answer through the app's one error path (``web.errors.handle_error``): ``{"detail": "..."}`` for
scripts and /api/, the error page for browsers.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.errors import handle_error

__all__ = [
    "WRITE_METHODS",
    "BodyTooLarge",
    "BodyLimit",
    "TokenBucket",
    "RateLimiter",
    "RateLimit",
    "KeyFunction",
    "client_ip",
    "install_limits",
    "document_limits",
]

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KeyFunction = Callable[[Scope], str]


class BodyTooLarge(HTTPException):
    """A request body over the limit (raised while it streams in; FastAPI re-raises HTTP exceptions)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than the limit of {limit} bytes")


async def _answer(scope: Scope, receive: Receive, send: Send, exc: HTTPException) -> None:
    """Answer ``exc`` as the app's error handler would (JSON or the error page)."""
    response = await handle_error(Request(scope, receive), exc)
    await response(scope, receive, send)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    """413 for bodies over ``max_bytes``: at once when Content-Length says so, else as they stream in."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _answer(scope, receive, send, BodyTooLarge(self.max_bytes))
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge as exc:  # read outside FastAPI's body parsing, which answers it itself
            if started:
                raise
            await _answer(scope, receive, send, exc)


class TokenBucket:
    """``capacity`` tokens, refilled at ``rate`` per second; each write takes one.

    >>> bucket = TokenBucket(capacity=2, rate=0.5, now=0.0)
    >>> bucket.take(now=0.0), bucket.take(now=0.0), bucket.take(now=0.0)
    (0.0, 0.0, 2.0)
    >>> bucket.take(now=1.0), bucket.take(now=2.0)
    (1.0, 0.0)
    """

    __slots__ = ("capacity", "rate", "tokens", "stamp")

    def __init__(self, *, capacity: float, rate: float, now: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self.stamp = now

    def take(self, *, now: float) -> float:
        """Take a token: 0.0 when there was one, else the seconds until there will be (nothing taken)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RateLimiter:
    """Token buckets by client key, at most ``max_keys`` of them (the least recently used go first).

    A forgotten client comes back with a full bucket, so ``max_keys`` should exceed the clients active
    within ``burst / rate`` seconds.

    >>> limiter = RateLimiter(rate=1.0, burst=1, max_keys=2)
    >>> limiter.wait("a", now=0.0), limiter.wait("a", now=0.0), limiter.wait("b", now=0.0)
    (0.0, 1.0, 0.0)
    >>> limiter.wait("c", now=0.0), sorted(limiter.keys())
    (0.0, ['b', 'c'])
    """

    def __init__(self, *, rate: float, burst: int, max_keys: int = 10_000) -> None:
        if rate <= 0 or burst < 1 or max_keys < 1:
            got = f"rate={rate}, burst={burst}, max_keys={max_keys}"
            raise ValueError(f"a rate limit needs rate > 0, burst >= 1 and max_keys >= 1, not {got}")
        self.rate, self.burst, self.max_keys = rate, burst, max_keys
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, key: str, *, now: float | None = None) -> float:
        """Take a token for ``key``: 0.0 when allowed, else the seconds to wait before trying again."""
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(capacity=self.burst, rate=self.rate, now=now)
                if len(self._buckets) > self.max_keys:
                    self._buckets.popitem(last=False)
            else:
                self._buckets.move_to_end(key)
            return bucket.take(now=now)

    def keys(self) -> list[str]:
        """The clients with a bucket, least recently seen first."""
        with self._lock:
            return list(self._buckets)


def client_ip(scope: Scope) -> str:
    """The client's address (after uvicorn applied trusted proxy headers), the default rate-limit key.

    >>> client_ip({"client": ("10.0.0.7", 5123)}), client_ip({})
    ('10.0.0.7', 'unknown')
    """
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class RateLimit:
    """429 with Retry-After for writes (POST, PUT, PATCH, DELETE) past a client's token bucket."""

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter, key: KeyFunction = client_ip) -> None:
        self.app = app
        self.limiter = limiter
        self.key = key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in WRITE_METHODS:
            wait = self.limiter.wait(self.key(scope))
            if wait > 0:
                retry = max(1, math.ceil(wait))
                detail = f"too many writes from this client: try again in {retry} second(s)"
                exc = HTTPException(429, detail, headers={"Retry-After": str(retry)})
                await _answer(scope, receive, send, exc)
                return
        await self.app(scope, receive, send)


_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "string"}},
}
_LIMIT_ANSWERS = {
    "413": "The request body is over the size limit.",
    "429": "Too many writes from this client; the Retry-After header says when to try again.",
}


_UNREADABLE = "The request body cannot be read (not UTF-8, or not in the declared content type)."


def _document(responses: dict[str, Any], status: str, description: str) -> None:
    content = {"application/json": {"schema": _ERROR_SCHEMA}}
    responses.setdefault(status, {"description": description, "content": content})


def document_limits(app: FastAPI) -> None:
    """Add the 413 and 429 answers to every write operation of the app's OpenAPI document.

    Operations taking a body also get FastAPI's 400 for a body it cannot decode at all.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                if "requestBody" in operation:
                    _document(responses, "400", _UNREADABLE)
                if method.upper() in WRITE_METHODS:
                    for status, description in _LIMIT_ANSWERS.items():
                        _document(responses, status, description)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_limits(
    app: FastAPI, *, max_body_bytes: int, write_rate: float, write_burst: int, max_clients: int,
    key: KeyFunction | None = None,
) -> RateLimiter | None:
    """Add both limits to ``app`` (the rate limit outermost: a refused write is never read) and document them.

    A ``write_rate`` of 0 (or less) leaves writes unlimited; the limiter is returned when there is one.
    """
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    limiter = None
    if write_rate > 0:
        limiter = RateLimiter(rate=write_rate, burst=write_burst, max_keys=max_clients)
        app.add_middleware(RateLimit, limiter=limiter, key=key or client_ip)
    document_limits(app)
    return limiter
