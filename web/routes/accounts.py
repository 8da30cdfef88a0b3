"""Signing in and out (forms with CSRF tokens), and ``GET /api/me`` for scripts checking their token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ConfigDict
from starlette.responses import Response

from claims.accounts import AccountLocked, authenticate
from web import csrf
from web.auth import WriterDep, end_session, refuse_cross_site, start_session
from web.deps import SessionDep, StateDep
from web.render import render_page
from web.schemas import WRITE_ERRORS
from web.schemas_trust import MeOut
from web.text_input import TextInput

__all__ = ["router", "safe_next"]

router = APIRouter()
WRONG = "Wrong name or password (or the account is disabled)."
LOCKED = "Too many failed sign-ins in a row for this account: it is locked for {wait}. Try again then."
STALE_FORM = "This form had expired (or cookies are blocked): please sign in again."


class LoginForm(TextInput):
    model_config = ConfigDict(extra="ignore")

    name: str = ""
    password: str = ""
    next: str = "/"
    csrf_token: str = ""


class LogoutForm(TextInput):
    model_config = ConfigDict(extra="ignore")

    csrf_token: str = ""


def safe_next(target: str | None) -> str:
    r"""Where to go after signing in: a path on this site only, never another host.

    >>> safe_next("/moderation"), safe_next("//evil.example/x"), safe_next("https://evil.example")
    ('/moderation', '/', '/')
    >>> safe_next(None), safe_next("/\\evil.example")
    ('/', '/')
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _wait(seconds: int) -> str:
    """A lock's remaining time in words.

    >>> _wait(1), _wait(30), _wait(60), _wait(61), _wait(3600)
    ('1 second', '30 seconds', '1 minute', '2 minutes', '60 minutes')
    """
    if seconds < 60:
        return f"{seconds} second{'s' * (seconds != 1)}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' * (minutes != 1)}"


def _login_page(
    request: Request, *, form: LoginForm, error: str | None = None, status_code: int = 200
) -> Response:
    token = csrf.token_for(request, request.app.state.web.secret)
    return render_page(
        request,
        "login.html",
        {"form": form, "error": error, "csrf_token": token},
        api_url=None,
        status_code=status_code,
    )


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, next: str = "/") -> Response:  # noqa: A002
    """The login form (also to switch accounts: signing in again closes the current session)."""
    return _login_page(request, form=LoginForm(next=safe_next(next)))


@router.post("/login", include_in_schema=False)
def login(
    request: Request, session: SessionDep, state: StateDep, form: Annotated[LoginForm, Form()]
) -> Response:
    """Check the name and password; on success open a session and go on to ``next`` (303). Only from a page
    of this site: another origin may not sign the browser into an account of its choosing."""
    refuse_cross_site(request)
    form = form.model_copy(update={"next": safe_next(form.next)})
    if not csrf.check(request, form.csrf_token, state.secret):
        return _login_page(
            request, form=form.model_copy(update={"password": ""}), error=STALE_FORM, status_code=403
        )
    blank = form.model_copy(update={"password": ""})
    try:
        user = authenticate(session, name=form.name.strip(), password=form.password)
    except AccountLocked as locked:
        page = _login_page(request, form=blank, error=LOCKED.format(wait=_wait(locked.retry_after)),
                           status_code=429)
        page.headers["Retry-After"] = str(locked.retry_after)
        return page
    session.commit()  # a failure counts towards the lock-out, a success resets the count
    if user is None:
        return _login_page(request, form=blank, error=WRONG, status_code=401)
    response = RedirectResponse(form.next, status_code=303)
    end_session(response, request, session)  # a previous session of this browser is closed, not left open
    start_session(response, request, session, user=user)
    session.commit()
    return response


@router.post("/logout", include_in_schema=False)
def logout(
    request: Request, session: SessionDep, state: StateDep, form: Annotated[LogoutForm, Form()]
) -> Response:
    """Revoke this browser's session and go home (303); only from a page of this site."""
    refuse_cross_site(request)
    if not csrf.check(request, form.csrf_token, state.secret):
        return render_page(
            request, "error.html", {"status": 403, "detail": STALE_FORM}, api_url=None, status_code=403
        )
    response = RedirectResponse("/", status_code=303)
    end_session(response, request, session)
    session.commit()
    return response


@router.get("/api/me", response_model=MeOut, responses=WRITE_ERRORS, tags=["accounts"])
def api_me(user: WriterDep) -> dict[str, Any]:
    """The account behind the token (401 without one): a quick check for scripts."""
    return {"name": user.name, "role": user.role}
