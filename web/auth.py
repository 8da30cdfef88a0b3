"""Who is asking: a Bearer token (scripts) or a signed session cookie (browsers), and the role checks on top.

The session cookie holds a random token signed with the app's secret; only the token's sha256 is
stored (as an ApiToken of kind "session"), so logging out revokes it for good. The cookie is
HttpOnly, SameSite=Lax (a cross-site POST does not carry it) and Secure when served over https.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from claims.accounts import SESSION_DAYS, can_moderate, issue_token, revoke_token, user_for_token
from claims.models import User
from web import csrf
from web.deps import SessionDep, get_state

__all__ = [
    "SESSION_COOKIE",
    "bearer_token",
    "current_user",
    "optional_user",
    "require_user",
    "require_editor",
    "cached_user",
    "start_session",
    "end_session",
    "OptionalUser",
    "WriterDep",
    "EditorDep",
]

SESSION_COOKIE = "claims_session"
_UNSET = object()


def _cookie_secret(secret: str) -> str:
    return secret + ":session"  # a key of its own, so a CSRF token can never pass for a session


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, or None when there is none."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def current_user(request: Request, session: Session) -> User | None:
    """The user behind the request's Bearer token or session cookie, or None for an anonymous reader.

    A Bearer token that is unknown, revoked or expired is a 401, never silently anonymous.
    """
    cached = getattr(request.state, "user", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    secret = get_state(request).secret
    user: User | None = None
    raw = bearer_token(request)
    if raw is not None:
        user = user_for_token(session, raw=raw, kind="api")
        if user is None:
            raise _unauthorized("the bearer token is unknown, revoked or expired")
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie and csrf.is_valid(cookie, _cookie_secret(secret)):
            refuse_forged_write(request, secret)
            user = user_for_token(session, raw=cookie.split(".", 1)[0], kind="session")
    session.commit()  # the token's last use, when it was due for an update
    request.state.user = user
    return user


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"


def refuse_cross_site(request: Request) -> None:
    """403 unless the request comes from a page of this site, as far as the browser says: its ``Origin``
    is our own, and ``Sec-Fetch-Site`` (when sent) is ``same-origin`` or ``none`` (typed by the user).
    Ports count: a page on another port of the same host is another origin, though cookies ignore ports."""
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin is not None and origin != own:
        raise HTTPException(status_code=403, detail=f"cross-origin write refused: {origin!r} is not {own!r}")
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise HTTPException(status_code=403, detail=f"cross-site write refused (Sec-Fetch-Site: {site})")


def refuse_forged_write(request: Request, secret: str) -> None:
    """A state-changing request that a session cookie authenticates must come from this site: its
    ``Origin`` (or ``Sec-Fetch-Site``) must be our own, and a write to the JSON API must also echo the CSRF
    token in the ``X-CSRF-Token`` header (forms carry it as a field, checked by their routes). Bearer-token
    requests are not affected: a browser never adds a token by itself."""
    if request.method in _SAFE_METHODS:
        return
    refuse_cross_site(request)
    api = request.url.path.startswith("/api/")
    if api and not csrf.check(request, request.headers.get(CSRF_HEADER), secret):
        raise HTTPException(
            status_code=403,
            detail=f"a write signed in by cookie must send the CSRF token in the {CSRF_HEADER} header",
        )


def optional_user(request: Request, session: SessionDep) -> User | None:
    """Dependency: the signed-in user, or None."""
    return current_user(request, session)


def require_user(request: Request, session: SessionDep) -> User:
    """Dependency for API writes: any account; anonymous requests get 401 with ``WWW-Authenticate``."""
    user = current_user(request, session)
    if user is None:
        raise _unauthorized("sign in first: send an API token as 'Authorization: Bearer <token>'")
    return user


def require_editor(request: Request, session: SessionDep) -> User:
    """Dependency for moderation: an editor or admin (401 when anonymous, 403 for readers)."""
    user = require_user(request, session)
    if not can_moderate(user.role):
        raise HTTPException(
            status_code=403, detail=f"{user.name!r} is a {user.role}: moderation needs an editor"
        )
    return user


def cached_user(request: Request) -> User | None:
    """The signed-in user for page chrome (the header), looked up once per request; None on any trouble."""
    cached = getattr(request.state, "user", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    if SESSION_COOKIE not in request.cookies:
        return None
    try:
        with Session(get_state(request).engine, expire_on_commit=False) as session:
            return current_user(request, session)
    except (SQLAlchemyError, HTTPException):
        return None


def start_session(response: Response, request: Request, session: Session, *, user: User) -> None:
    """Open a login session for the user and set its cookie. Does not commit."""
    _, raw = issue_token(
        session, user=user, kind="session", label=request.headers.get("user-agent", "")[:100]
    )
    value = csrf.sign(raw, _cookie_secret(get_state(request).secret))
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=SESSION_DAYS * 86400,
        httponly=True,
        samesite="lax",
        path="/",
        secure=request.url.scheme == "https",
    )


def end_session(response: Response, request: Request, session: Session) -> None:
    """Revoke the browser's session token (it stays on record) and drop its cookie. Does not commit."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and csrf.is_valid(cookie, _cookie_secret(get_state(request).secret)):
        revoke_token(session, raw=cookie.split(".", 1)[0])
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )


OptionalUser = Annotated[User | None, Depends(optional_user)]
WriterDep = Annotated[User, Depends(require_user)]
EditorDep = Annotated[User, Depends(require_editor)]
