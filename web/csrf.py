"""CSRF protection for forms: a signed token kept in a cookie and echoed by the form (double submit).

Another site can make a browser post our form, but it can neither read the cookie nor forge a
signed token, so the two never match. The JSON API needs no token: it takes JSON bodies, which a
cross-site form cannot send without a CORS preflight this app never grants.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

__all__ = ["COOKIE", "FIELD", "sign", "is_valid", "token_for", "remember", "check"]

COOKIE = "claims_csrf"
FIELD = "csrf_token"


def sign(nonce: str, secret: str) -> str:
    """A token: the nonce and its HMAC.

    >>> token = sign("abc", "k"); token.startswith("abc.") and is_valid(token, "k")
    True
    >>> is_valid(token, "other key"), is_valid("abc.forged", "k"), is_valid("", "k")
    (False, False, False)
    """
    mac = hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()
    return f"{nonce}.{mac}"


def is_valid(token: str | None, secret: str) -> bool:
    """True when the token was signed with this secret."""
    if not token or "." not in token:
        return False
    nonce = token.split(".", 1)[0]
    return _same(sign(nonce, secret), token)


def token_for(request: Request, secret: str) -> str:
    """The browser's current token if it is still valid, else a fresh one (the same one all through a request,
    so every form of a page and its cookie agree)."""
    cached: str | None = getattr(request.state, "csrf_token", None)
    if cached:
        return cached
    current = request.cookies.get(COOKIE)
    token = current if current and is_valid(current, secret) else sign(secrets.token_urlsafe(16), secret)
    request.state.csrf_token = token
    return token


def remember(response: Response, request: Request, token: str) -> None:
    """Set the cookie when the browser does not hold this token yet."""
    if request.cookies.get(COOKIE) != token:
        response.set_cookie(
            COOKIE, token, httponly=True, samesite="strict", path="/", secure=request.url.scheme == "https"
        )


def check(request: Request, submitted: str | None, secret: str) -> bool:
    """True when the form's token matches the cookie and carries our signature."""
    cookie = request.cookies.get(COOKIE)
    return bool(cookie and submitted and _same(cookie, submitted) and is_valid(cookie, secret))


def _same(a: str, b: str) -> bool:
    r"""Equal, compared in constant time; any text may come in (``hmac.compare_digest`` refuses non-ASCII
    ``str``), so both are compared as UTF-8 bytes (lone surrogates escaped).

    >>> _same("abc", "abc"), _same("abc", "abd"), _same("é", "abc"), _same("\ud800", "\ud800")
    (True, False, False, True)
    """
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))
