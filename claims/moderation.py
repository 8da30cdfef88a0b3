"""Moderation: the queue of pending evidence, accepting or rejecting it, and retracting accepted evidence.

Every decision is a new Review row plus an audit entry; the evidence itself is never deleted, only
its review state moves (pending -> accepted | rejected, accepted -> retracted), and statuses are
recomputed with the decision as their cause.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from claims.analysis import refresh
from claims.audit import StatusCause, record
from claims.errors import Conflict, InvalidInput, NotFound
from claims.models import Claim, Evidence, Review, Source, utcnow
from claims.store import reindex_search
from claims.views import evidence_view
from claims.vocabulary import Vocabulary

__all__ = ["Decision", "MAX_COMMENT", "pending_count", "pending_queue", "review_evidence", "retract_evidence"]

MAX_COMMENT = 2000
_VERBS = {"accepted": "accept", "rejected": "reject", "retracted": "retract"}


@dataclass(frozen=True)
class Decision:
    """A review decision and what it did to the claim's status."""

    evidence: Evidence
    review: Review
    previous_status: str
    status: str


def pending_count(session: Session) -> int:
    """How many pieces of evidence wait for an editor."""
    return int(
        session.exec(select(func.count()).select_from(Evidence).where(Evidence.review == "pending")).one()
    )


def pending_queue(session: Session, *, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    """Pending evidence, oldest first, each with its claim's statement and status (``limit`` of them from
    ``offset``)."""
    query = (
        select(Evidence, Claim, Source)
        .where(Evidence.review == "pending", Evidence.claim_id == Claim.id, Evidence.source_id == Source.id)
        .order_by(col(Evidence.added_at), col(Evidence.id))
        .offset(offset)
        .limit(limit)
    )
    return [
        evidence_view(ev, source)
        | {"claim": {"id": claim.id, "statement": claim.statement, "status": claim.status}}
        for ev, claim, source in session.exec(query)
    ]


def _comment(comment: str | None, *, required: bool, what: str) -> str | None:
    text = (comment or "").strip()
    if required and not text:
        raise InvalidInput(f"a comment is required to {what}: say why, for the record", field="comment")
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"comment is {len(text)} characters; the limit is {MAX_COMMENT}", field="comment")
    return text or None


def _decide(
    session: Session,
    *,
    evidence_id: str,
    expect: str,
    decision: str,
    reviewer: str,
    comment: str | None,
    vocabulary: Vocabulary,
) -> Decision:
    evidence = session.get(Evidence, evidence_id)
    if evidence is None:
        raise NotFound(f"no evidence with id {evidence_id!r}")
    if evidence.review != expect:
        raise Conflict(
            f"evidence {evidence_id!r} is {evidence.review}, so it cannot be {decision} (only {expect})"
        )
    claim = session.get(Claim, evidence.claim_id)
    assert claim is not None  # a foreign key
    previous = claim.status
    review = Review(
        evidence_id=evidence.id, decision=decision, reviewer=reviewer, at=utcnow(), comment=comment
    )
    session.add(review)
    evidence.review = decision
    session.add(evidence)
    session.flush()
    record(
        session,
        actor=reviewer,
        action=f"evidence.{_VERBS[decision]}",
        target_kind="evidence",
        target_id=evidence.id,
        detail={"claim_id": claim.id, "review_id": review.id, "from": expect},
        reason=comment,
    )
    cause = StatusCause(kind="review", actor=reviewer, evidence_id=evidence.id, reason=comment)
    refresh(session, vocabulary=vocabulary, claim_ids=[claim.id], cause=cause)
    reindex_search(session, claim_ids=[claim.id])
    session.refresh(claim)
    return Decision(evidence=evidence, review=review, previous_status=previous, status=claim.status)


def review_evidence(
    session: Session,
    *,
    evidence_id: str,
    accept: bool,
    reviewer: str,
    comment: str | None,
    vocabulary: Vocabulary,
) -> Decision:
    """Accept (comment optional) or reject (comment required) pending evidence; statuses follow.

    Does not commit.
    """
    text = _comment(comment, required=not accept, what="reject evidence")
    return _decide(
        session,
        evidence_id=evidence_id,
        expect="pending",
        decision="accepted" if accept else "rejected",
        reviewer=reviewer,
        comment=text,
        vocabulary=vocabulary,
    )


def retract_evidence(
    session: Session, *, evidence_id: str, reviewer: str, reason: str | None, vocabulary: Vocabulary
) -> Decision:
    """Retract accepted evidence (a reason is required): it is kept on record and stops counting."""
    text = _comment(reason, required=True, what="retract evidence")
    return _decide(
        session,
        evidence_id=evidence_id,
        expect="accepted",
        decision="retracted",
        reviewer=reviewer,
        comment=text,
        vocabulary=vocabulary,
    )
