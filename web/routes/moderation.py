"""Moderation: the pending queue (page and JSON), accepting or rejecting evidence, retracting it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ConfigDict
from sqlmodel import Session
from starlette.responses import Response

from claims.accounts import can_moderate
from claims.errors import ClaimsError, InvalidInput
from claims.models import Evidence, User
from claims.moderation import Decision, pending_count, pending_queue, retract_evidence, review_evidence
from web import csrf
from web.auth import EditorDep, OptionalUser
from web.deps import SessionDep, StateDep, WebState, WriteSessionDep
from web.paging import FIRST_PAGE, LIST_PER_PAGE, Paging, PagingQuery, require_page
from web.render import render_page, url_with
from web.schemas import WRITE_ERRORS
from web.schemas_trust import DecisionResult, ModerationQueue, RejectIn, RetractIn, ReviewIn
from web.text_input import TextInput

__all__ = ["router", "moderation_data"]

router = APIRouter()
STALE_FORM = "This form had expired (or cookies are blocked): please send it again."


class DecisionForm(TextInput):
    """A moderation form as the browser posts it."""

    model_config = ConfigDict(extra="ignore")

    decision: str = ""
    comment: str = ""
    csrf_token: str = ""


def moderation_data(session: Session, paging: Paging = FIRST_PAGE) -> dict[str, Any]:
    """One page of the pending queue, oldest first, and how much waits in all: the data of /moderation and
    /api/moderation."""
    items = pending_queue(session, limit=paging.per_page, offset=paging.offset)
    total = pending_count(session)
    return {"items": items, "total": total, "page": paging.page, "per_page": paging.per_page}


def _result(decision: Decision) -> dict[str, Any]:
    return {
        "evidence_id": decision.evidence.id,
        "review": decision.review.decision,
        "reviewer": decision.review.reviewer,
        "comment": decision.review.comment,
        "claim": {
            "id": decision.evidence.claim_id,
            "status": decision.status,
            "previous_status": decision.previous_status,
        },
    }


@router.get("/api/moderation", response_model=ModerationQueue, responses=WRITE_ERRORS, tags=["moderation"])
def api_moderation(session: SessionDep, _editor: EditorDep, paging: PagingQuery) -> dict[str, Any]:
    """Evidence held for moderation, oldest first, a page at a time (editors and admins only)."""
    return moderation_data(session, paging)


@router.post(
    "/api/evidence/{evidence_id}/accept",
    response_model=DecisionResult,
    responses=WRITE_ERRORS,
    tags=["moderation"],
)
def api_accept(
    session: WriteSessionDep, state: StateDep, editor: EditorDep, evidence_id: str,
    body: ReviewIn | None = None
) -> dict[str, Any]:
    """Accept pending evidence: it starts to count and the claim's status is recomputed."""
    decision = review_evidence(
        session,
        evidence_id=evidence_id,
        accept=True,
        reviewer=editor.name,
        comment=body.comment if body else None,
        vocabulary=state.vocabulary,
    )
    session.commit()
    return _result(decision)


@router.post(
    "/api/evidence/{evidence_id}/reject",
    response_model=DecisionResult,
    responses=WRITE_ERRORS,
    tags=["moderation"],
)
def api_reject(
    session: WriteSessionDep, state: StateDep, editor: EditorDep, evidence_id: str, body: RejectIn
) -> dict[str, Any]:
    """Reject pending evidence with a comment saying why: it is kept on record and never counts."""
    decision = review_evidence(
        session,
        evidence_id=evidence_id,
        accept=False,
        reviewer=editor.name,
        comment=body.comment,
        vocabulary=state.vocabulary,
    )
    session.commit()
    return _result(decision)


@router.post(
    "/api/evidence/{evidence_id}/retract",
    response_model=DecisionResult,
    responses=WRITE_ERRORS,
    tags=["moderation"],
)
def api_retract(
    session: WriteSessionDep, state: StateDep, editor: EditorDep, evidence_id: str, body: RetractIn
) -> dict[str, Any]:
    """Retract accepted evidence with a reason (a new record): the evidence stays and stops counting."""
    decision = retract_evidence(
        session,
        evidence_id=evidence_id,
        reviewer=editor.name,
        reason=body.reason,
        vocabulary=state.vocabulary,
    )
    session.commit()
    return _result(decision)


def _page_editor(request: Request, user: User | None) -> User | Response:
    """The editor using the page, or where to send the browser: log in first; readers get a 403."""
    if user is None:
        return RedirectResponse(url_with("/login", {"next": request.url.path}), status_code=303)
    if not can_moderate(user.role):
        raise HTTPException(
            status_code=403, detail=f"{user.name} is a {user.role}: moderation needs an editor"
        )
    return user


def _done(session: Session, evidence_id: str | None) -> dict[str, str] | None:
    """What the last decision was, read back from the database (never echoed from the URL)."""
    evidence = session.get(Evidence, evidence_id) if evidence_id else None
    if evidence is None or evidence.review not in ("accepted", "rejected"):
        return None
    return {"id": evidence.id, "decision": evidence.review, "claim": evidence.claim_id}


def render_moderation(
    request: Request,
    session: Session,
    *,
    errors: dict[str, str] | None = None,
    comments: dict[str, str] | None = None,
    status_code: int = 200,
    paging: Paging = FIRST_PAGE,
) -> Response:
    """The moderation page; ``errors`` and ``comments`` by evidence id when a decision needs fixing."""
    data = moderation_data(session, paging)
    pages = require_page(paging, data["total"], "held evidence")
    return render_page(
        request,
        "moderation.html",
        {
            "data": data,
            "pages": pages,
            "params": {"per_page": paging.per_page if paging.per_page != LIST_PER_PAGE else None},
            "errors": errors or {},
            "comments": comments or {},
            "csrf_token": csrf.token_for(request, request.app.state.web.secret),
            "done": _done(session, request.query_params.get("done")),
        },
        api_url="/api/moderation",
        status_code=status_code,
    )


@router.get("/moderation", response_class=HTMLResponse, include_in_schema=False)
def moderation_page(
    request: Request, session: SessionDep, user: OptionalUser, paging: PagingQuery
) -> Response:
    editor = _page_editor(request, user)
    return editor if isinstance(editor, Response) else render_moderation(request, session, paging=paging)


def _decide_by_form(
    session: Session, state: WebState, evidence_id: str, form: DecisionForm, editor: User
) -> Decision:
    if form.decision not in ("accept", "reject"):
        raise InvalidInput(f"choose accept or reject, not {form.decision!r}", field="decision")
    return review_evidence(
        session,
        evidence_id=evidence_id,
        accept=form.decision == "accept",
        reviewer=editor.name,
        comment=form.comment,
        vocabulary=state.vocabulary,
    )


@router.post("/moderation/{evidence_id}", include_in_schema=False)
def moderation_form(
    request: Request,
    session: WriteSessionDep,
    state: StateDep,
    user: OptionalUser,
    evidence_id: str,
    form: Annotated[DecisionForm, Form()],
) -> Response:
    """Accept or reject one pending item, then back to the queue (303), or the queue with the message."""
    editor = _page_editor(request, user)
    if isinstance(editor, Response):
        return editor
    if not csrf.check(request, form.csrf_token, state.secret):
        return render_moderation(
            request,
            session,
            errors={evidence_id: STALE_FORM},
            comments={evidence_id: form.comment},
            status_code=403,
        )
    try:
        decision = _decide_by_form(session, state, evidence_id, form, editor)
    except InvalidInput as exc:
        session.rollback()
        return render_moderation(
            request,
            session,
            errors={evidence_id: str(exc)},
            comments={evidence_id: form.comment},
            status_code=422,
        )
    session.commit()
    return RedirectResponse(url_with("/moderation", {"done": decision.evidence.id}), status_code=303)


@router.post("/evidence/{evidence_id}/retract", include_in_schema=False)
def retract_form(
    request: Request,
    session: WriteSessionDep,
    state: StateDep,
    user: OptionalUser,
    evidence_id: str,
    form: Annotated[DecisionForm, Form()],
) -> Response:
    """Retract accepted evidence from the claim page (editors), then back to the claim."""
    editor = _page_editor(request, user)
    if isinstance(editor, Response):
        return editor
    if not csrf.check(request, form.csrf_token, state.secret):
        raise HTTPException(status_code=403, detail=STALE_FORM)
    try:
        decision = retract_evidence(
            session,
            evidence_id=evidence_id,
            reviewer=editor.name,
            reason=form.comment,
            vocabulary=state.vocabulary,
        )
    except ClaimsError:
        session.rollback()
        raise
    session.commit()
    claim_id = decision.evidence.claim_id
    return RedirectResponse(
        url_with(f"/claims/{claim_id}", {"retracted": evidence_id}) + "#set-aside-heading", status_code=303
    )
