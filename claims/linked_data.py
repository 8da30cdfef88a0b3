"""The JSON-LD exports read from the store: ClaimReviews of claims, Web Annotations of evidence."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from claims.annotations import annotation_collection, evidence_annotation
from claims.claimreview import SCHEMA_CONTEXT, claim_review
from claims.models import Claim, Entity, Evidence, Source, as_dict

__all__ = ["claim_reviews", "claim_review_of", "evidence_annotations", "annotations_document"]


def _appearances(session: Session, claim_id: str | None) -> dict[str, list[dict[str, Any]]]:
    query = (
        sa_select(col(Evidence.claim_id), col(Evidence.stance), col(Evidence.asserted_by),
                  col(Evidence.parties),
                  col(Source.id),
                  col(Source.title), col(Source.url), col(Source.author), col(Source.published))
        .join(Source, col(Source.id) == col(Evidence.source_id))
        .where(col(Evidence.review) == "accepted", col(Source.superseded_by).is_(None))
        .order_by(col(Evidence.claim_id), col(Source.id), col(Evidence.start), col(Evidence.id))
    )
    if claim_id is not None:
        query = query.where(col(Evidence.claim_id) == claim_id)
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for cid, stance, asserted_by, parties, sid, title, url, author, published in session.execute(query):
        out[str(cid)].append({"source_id": sid, "title": title, "url": url, "author": author,
                         "published": published, "stance": stance, "asserted_by": asserted_by,
                         "parties": parties or [asserted_by or "author"]})
    return out


def _kinds(entities: list[Entity]) -> dict[str, str]:
    return {name: e.kind for e in entities for name in (e.name, *e.aliases)}


def claim_reviews(session: Session, *, base_url: str, claim_id: str | None = None) -> list[dict[str, Any]]:
    """A ClaimReview for every claim (or for one), ordered by claim id."""
    query = select(Claim).order_by(col(Claim.id))
    if claim_id is not None:
        query = query.where(Claim.id == claim_id)
    claims = session.exec(query).all()
    entities = list(session.exec(select(Entity)))
    names = {e.id: e.name for e in entities}
    kinds = _kinds(entities)
    appearances = _appearances(session, claim_id)
    return [
        claim_review(as_dict(c), subject={"id": c.subject_id, "name": names.get(c.subject_id, c.subject_id)},
                     appearances=appearances.get(c.id, []), base_url=base_url, kinds=kinds)
        for c in claims
    ]


def claim_review_of(session: Session, *, claim_id: str, base_url: str) -> dict[str, Any] | None:
    """One claim's ClaimReview as a JSON-LD document of its own, or None for an unknown claim."""
    reviews = claim_reviews(session, base_url=base_url, claim_id=claim_id)
    return {"@context": SCHEMA_CONTEXT, **reviews[0]} if reviews else None


def evidence_annotations(
    session: Session, *, base_url: str, source_id: str | None = None
) -> list[dict[str, Any]]:
    """An Annotation for each piece of accepted evidence, by source then text order.

    Without ``source_id``: the live sources (not superseded by a re-ingest); with it: that source.
    """
    query = select(Source).order_by(col(Source.name), col(Source.id))
    if source_id is not None:
        query = query.where(Source.id == source_id)
    else:
        query = query.where(col(Source.superseded_by).is_(None))
    claims = {c.id: as_dict(c) for c in session.exec(select(Claim))}
    out = []
    for source in session.exec(query):
        evidence = session.exec(
            select(Evidence)
            .where(Evidence.source_id == source.id, Evidence.review == "accepted")
            .order_by(col(Evidence.start), col(Evidence.end), col(Evidence.id))
        )
        row = {"id": source.id, "sha256": source.sha256, "url": source.url}
        out += [
            evidence_annotation(as_dict(ev), claim=claims[ev.claim_id], source=row, text=source.text,
                                base_url=base_url)
            for ev in evidence
        ]
    return out


def annotations_document(
    session: Session, *, base_url: str, source_id: str | None = None
) -> dict[str, Any] | None:
    """The evidence of the live sources (or of one) as an AnnotationCollection; None for an unknown source."""
    if source_id is not None and session.get(Source, source_id) is None:
        return None
    items = evidence_annotations(session, base_url=base_url, source_id=source_id)
    if source_id is None:
        return annotation_collection(items, collection_id=f"{base_url}/api/export/annotations",
                                     label="Evidence in the DeepSeek claims tracker")
    return annotation_collection(items, collection_id=f"{base_url}/api/sources/{source_id}/annotations",
                                 label=f"Evidence in source {source_id}")
