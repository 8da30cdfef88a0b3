"""Read models: plain dicts of one claim, source or entity, shared by the CLI, the JSON API and the pages."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from claims.canonical import metric_label, metric_question
from claims.models import Claim, Entity, Evidence, Relation, Source, as_dict
from claims.store import evidence_of_claim, get_claim, relations_of_claim

__all__ = ["claim_summary", "evidence_view", "claim_view", "value_spread"]

CONTEXT_CHARS = 240


def claim_summary(claim: Claim, subject: Entity | None) -> dict[str, Any]:
    """The fields of a claim that lists show."""
    return {
        "id": claim.id, "statement": claim.statement, "status": claim.status,
        "subject": {"id": claim.subject_id, "name": subject.name if subject else claim.subject_id},
        "metric": claim.metric, "metric_label": metric_label(claim.metric), "scope": claim.scope,
        "value": claim.value, "value_max": claim.value_max, "unit": claim.unit, "qualifier": claim.qualifier,
        "value_text": claim.value_text, "note": claim.note, "updated_at": as_dict(claim)["updated_at"],
    }


def evidence_view(ev: Evidence, source: Source | None) -> dict[str, Any]:
    """One piece of evidence with its quote in context and its source."""
    text = source.text if source else ev.quote
    before = text[max(0, ev.start - CONTEXT_CHARS):ev.start]
    after = text[ev.end:ev.end + CONTEXT_CHARS]
    return {
        "id": ev.id, "claim_id": ev.claim_id, "stance": ev.stance, "quote": ev.quote, "start": ev.start, "end": ev.end,
        "value_start": ev.value_start, "value_end": ev.value_end, "value_text": ev.value_text, "value": ev.value,
        "value_max": ev.value_max, "qualifier": ev.qualifier, "hedge": ev.hedge, "asserted_by": ev.asserted_by,
        "hypothetical": ev.hypothetical, "origin": ev.origin, "added_by": ev.added_by,
        "added_at": as_dict(ev)["added_at"], "note": ev.note, "review": ev.review,
        "context_before": before, "context_after": after,
        "source": {
            "id": ev.source_id, "title": source.title if source else ev.source_id, "name": source.name if source else None,
            "url": source.url if source else None, "author": source.author if source else None,
            "published": source.published if source else None, "kind": source.kind if source else None,
        },
    }


def value_spread(session: Session, claim: Claim) -> list[dict[str, Any]]:
    """Every claim with the same subject and metric: the values people report, for the spread chart."""
    rivals = session.exec(
        select(Claim).where(Claim.subject_id == claim.subject_id, Claim.metric == claim.metric)
        .order_by(col(Claim.value), col(Claim.id))
    ).all()
    out = []
    for rival in rivals:
        asserters = session.exec(
            select(Evidence.asserted_by).where(Evidence.claim_id == rival.id, Evidence.review == "accepted").distinct()
        ).all()
        out.append({"id": rival.id, "value": rival.value, "value_max": rival.value_max, "unit": rival.unit,
                    "qualifier": rival.qualifier, "value_text": rival.value_text, "status": rival.status,
                    "asserted_by": sorted(set(asserters)), "current": rival.id == claim.id})
    return out


def _related(session: Session, claim_id: str, relations: list[Relation]) -> list[dict[str, Any]]:
    out = []
    for rel in relations:
        other_id = rel.claim_b if rel.claim_a == claim_id else rel.claim_a
        other = session.get(Claim, other_id)
        if other is not None:
            out.append({"kind": rel.kind, "claim_id": other.id, "statement": other.statement, "status": other.status,
                        "reason": rel.reason})
    return out


def claim_view(session: Session, *, claim_id: str, include_pending: bool = True) -> dict[str, Any] | None:
    """Everything about one claim: statement, status and reasons, evidence in context, relations, spread."""
    claim = get_claim(session, claim_id=claim_id)
    if claim is None:
        return None
    subject = session.get(Entity, claim.subject_id)
    reviews = ("accepted", "pending") if include_pending else ("accepted",)
    evidence = evidence_of_claim(session, claim_id=claim_id, reviews=reviews)
    sources = {s.id: s for s in session.exec(select(Source).where(col(Source.id).in_({e.source_id for e in evidence})))}
    view = claim_summary(claim, subject)
    view.update({
        "reasons": list(claim.reasons),
        "question": metric_question(claim.metric, subject.name if subject else claim.subject_id),
        "evidence": [evidence_view(e, sources.get(e.source_id)) for e in evidence],
        "related": _related(session, claim_id, relations_of_claim(session, claim_id=claim_id)),
        "spread": value_spread(session, claim),
    })
    return view
