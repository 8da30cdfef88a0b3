"""Adding evidence: the form on a claim's page and ``POST /api/claims/{id}/evidence``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from claims.evidence import EvidenceSubmission
from claims.store import get_source
from claims.views import evidence_view
from web import csrf
from web.deps import StateDep, WriteSessionDep
from web.errors import FormErrors
from web.render import url_with
from web.routes.claims import render_claim_page
from web.schemas import ERRORS, ClaimId, EvidenceCreated, EvidenceIn
from web.submission import EvidenceForm, submit_evidence

__all__ = ["router"]

router = APIRouter()
STALE_FORM = "This form had expired (or cookies are blocked). Your text is kept below: please send it again."


@router.post("/claims/{claim_id}/evidence", include_in_schema=False)
def evidence_form(
    request: Request,
    session: WriteSessionDep,
    state: StateDep,
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
            added_by=state.settings.added_by_form,
            vocabulary=state.vocabulary,
        )
    except FormErrors as exc:
        session.rollback()
        return render_claim_page(
            request, session, state, claim_id, form=form, errors=exc.errors, status_code=422
        )
    session.commit()
    target = url_with(f"/claims/{claim_id}", {"added": added.evidence.id, "was": added.previous_status})
    return RedirectResponse(f"{target}#{added.evidence.id}", status_code=303)


@router.post(
    "/api/claims/{claim_id}/evidence",
    status_code=201,
    response_model=EvidenceCreated,
    responses=ERRORS,
    tags=["evidence"],
)
def api_add_evidence(
    session: WriteSessionDep, state: StateDep, claim_id: ClaimId, body: EvidenceIn
) -> dict[str, Any]:
    """Append evidence to a claim (never editing what is there); answer it with the recomputed status.

    Give either `source_id` (an existing source, whose text must contain the quote) or `source_title`
    (and optionally `source_url`) for a new one.
    """
    added = submit_evidence(
        session,
        claim_id=claim_id,
        submission=EvidenceSubmission(**body.model_dump()),
        added_by=state.settings.added_by_api,
        vocabulary=state.vocabulary,
    )
    session.commit()
    source = get_source(session, source_id=added.evidence.source_id)
    return evidence_view(added.evidence, source) | {
        "claim": {
            "id": claim_id,
            "status": added.status,
            "previous_status": added.previous_status,
            "reasons": added.reasons,
        }
    }
