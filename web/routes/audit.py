"""The audit trail over HTTP: a claim's status history (public) and the audit log (editors)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlmodel import Session

from claims.audit import audit_view, entries, history_view, parse_target, status_history
from claims.store import get_claim
from web.auth import EditorDep
from web.deps import SessionDep
from web.errors import found
from web.schemas import ERRORS, WRITE_ERRORS
from web.schemas_trust import AuditList, HistoryOut

__all__ = ["router", "history_data"]

router = APIRouter()


def history_data(session: Session, claim_id: str) -> dict[str, Any]:
    """A claim's status and every change that led there."""
    claim = found(get_claim(session, claim_id=claim_id), "claim", claim_id)
    return {
        "claim_id": claim.id,
        "status": claim.status,
        "history": history_view(status_history(session, claim_id=claim_id)),
    }


@router.get("/api/claims/{claim_id}/history", response_model=HistoryOut, responses=ERRORS, tags=["claims"])
def api_claim_history(session: SessionDep, claim_id: str) -> dict[str, Any]:
    """Every change of a claim's status, oldest first, each with its cause (ingest, evidence or review)."""
    return history_data(session, claim_id)


@router.get("/api/audit", response_model=AuditList, responses=WRITE_ERRORS, tags=["moderation"])
def api_audit(
    session: SessionDep,
    _editor: EditorDep,
    target: Annotated[
        str | None, Query(max_length=140, description="kind or kind:id, e.g. evidence:e-1")
    ] = None,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """The append-only audit log, newest first: who changed what, when and why (editors and admins only)."""
    kind, ident = parse_target(target) if target else (None, None)
    rows = entries(session, target_kind=kind, target_id=ident, actor=actor, limit=limit, offset=offset)
    return {"items": [audit_view(e) for e in rows], "limit": limit, "offset": offset}
