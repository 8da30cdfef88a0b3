"""Adding evidence: the form on a claim's page and ``POST /api/claims/{id}/evidence``.

Editors' and admins' evidence counts at once (201); a reader's, or an anonymous form's, is held as
pending (202) and changes no status until an editor accepts it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from claims.accounts import can_moderate
from claims.evidence import EvidenceSubmission
from claims.models import User
from claims.store import get_source
from claims.views import evidence_view
from web import csrf
from web.auth import OptionalUser, WriterDep
from web.deps import StateDep, WebState, WriteSessionDep
from web.errors import FormErrors
from web.render import url_with
from web.routes.claims import render_claim_page
from web.schemas import ERRORS, ClaimId, ErrorOut, EvidenceCreated, EvidenceIn
from web.submission import EvidenceForm, submit_evidence

__all__ = ["router", "review_for", "author_of"]

router = APIRouter()
STALE_FORM = "This form had expired (or cookies are blocked). Your text is kept below: please send it again."


def review_for(user: User | None) -> str:
    """Evidence from editors and admins is accepted at once; everyone else's waits for moderation."""
    return "accepted" if user is not None and can_moderate(user.role) else "pending"


def author_of(user: User | None, state: WebState) -> str:
    """The name recorded as having added the evidence."""
    return user.name if user is not None else state.settings.added_by_anonymous


@router.post("/claims/{claim_id}/evidence", include_in_schema=False)
def evidence_form(
    request: Request,
    session: WriteSessionDep,
    state: StateDep,
    user: OptionalUser,
    claim_id: str,
    form: Annotated[EvidenceForm, Form()],
) -> Response:
    """Append the form's evidence and go back to the claim (303), or show the form again with messages."""
    if not csrf.check(request, form.csrf_token, state.secret):
        return render_claim_page(
            request, session, state, claim_id, form=form, errors={"form": STALE_FORM}, status_code=403
        )
    try:
        added = submit_evidence(
            session,
            claim_id=claim_id,
            submission=form.submission(),
            added_by=author_of(user, state),
            vocabulary=state.vocabulary,
            review=review_for(user),
        )
    except FormErrors as exc:
        session.rollback()
        return render_claim_page(
            request, session, state, claim_id, form=form, errors=exc.errors, status_code=422
        )
    session.commit()
    if added.evidence.review == "pending":
        return RedirectResponse(url_with(f"/claims/{claim_id}", {"held": added.evidence.id}), status_code=303)
    target = url_with(f"/claims/{claim_id}", {"added": added.evidence.id, "was": added.previous_status})
    return RedirectResponse(f"{target}#{added.evidence.id}", status_code=303)


@router.post(
    "/api/claims/{claim_id}/evidence",
    status_code=201,
    response_model=EvidenceCreated,
    responses={
        **ERRORS,
        401: {"model": ErrorOut, "description": "no account: send 'Authorization: Bearer <token>'"},
        202: {"model": EvidenceCreated, "description": "held for moderation: a reader's evidence"},
    },
    tags=["evidence"],
)
def api_add_evidence(
    session: WriteSessionDep, state: StateDep, user: WriterDep, response: Response, claim_id: ClaimId,
    body: EvidenceIn
) -> dict[str, Any]:
    """Append evidence to a claim (never editing what is there); answer it with the recomputed status.

    Needs an API token (`Authorization: Bearer ...`). An editor's or admin's evidence counts at once
    (201); a reader's is held for moderation (202, `review` is `pending`) and changes no status until an
    editor accepts it. Give either `source_id` (an existing source, whose text must contain the quote)
    or `source_title` (and optionally `source_url`) for a new one.
    """
    added = submit_evidence(
        session,
        claim_id=claim_id,
        submission=EvidenceSubmission(**body.model_dump()),
        added_by=author_of(user, state),
        vocabulary=state.vocabulary,
        review=review_for(user),
    )
    session.commit()
    if added.evidence.review == "pending":
        response.status_code = 202
    source = get_source(session, source_id=added.evidence.source_id)
    return evidence_view(added.evidence, source) | {
        "claim": {
            "id": claim_id,
            "status": added.status,
            "previous_status": added.previous_status,
            "reasons": added.reasons,
        }
    }
