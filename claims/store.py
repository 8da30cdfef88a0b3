"""Store functions: keyword-only, session first, returning rows or None; one job each."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, or_, text
from sqlmodel import Session, col, select

from claims.canonical import claim_id, entity_id, evidence_id, source_id, statement
from claims.models import Claim, Entity, Evidence, Relation, Source, utcnow
from claims.quantities import Quantity, bound_of
from claims.records import Document, Mention, sha256_of
from claims.vocabulary import Vocabulary

__all__ = [
    "DocumentResult",
    "ensure_vocabulary",
    "ensure_entity",
    "get_source",
    "get_claim",
    "get_entity",
    "get_entity_by_name",
    "current_source_named",
    "record_document",
    "claim_from_mention",
    "evidence_of_claim",
    "relations_of_claim",
    "list_claims",
    "list_sources",
    "add_submitted_source",
    "append_evidence",
    "reindex_search",
    "corpus_counts",
]


@dataclass
class DocumentResult:
    """What recording one document changed."""

    source_id: str
    created: bool
    evidence_added: int = 0
    claims_touched: set[str] = field(default_factory=set)
    superseded: str | None = None


def ensure_entity(
    session: Session, *, name: str, kind: str = "other", parent: str | None = None, aliases: Sequence[str] = ()
) -> Entity:
    """The entity with this canonical name, created if missing (existing rows are left as they are)."""
    found = session.get(Entity, entity_id(name))
    if found is not None:
        return found
    entity = Entity(
        id=entity_id(name), name=name, kind=kind, parent_id=entity_id(parent) if parent else None, aliases=list(aliases)
    )
    session.add(entity)
    return entity


def ensure_vocabulary(session: Session, *, vocabulary: Vocabulary) -> int:
    """Create an entity row for every vocabulary entity and party; return how many were new."""
    existing = set(session.exec(select(Entity.id)).all())
    created = 0
    for spec in vocabulary.entities.values():
        if entity_id(spec.name) not in existing:
            ensure_entity(session, name=spec.name, kind=spec.kind, parent=spec.parent, aliases=spec.aliases)
            existing.add(entity_id(spec.name))
            created += 1
    for party in vocabulary.parties.values():
        if party.name != "author" and entity_id(party.name) not in existing:
            ensure_entity(session, name=party.name, kind=party.kind, aliases=party.aliases)
            existing.add(entity_id(party.name))
            created += 1
    return created


def get_source(session: Session, *, source_id: str) -> Source | None:
    """The source with this id, or None."""
    return session.get(Source, source_id)


def get_claim(session: Session, *, claim_id: str) -> Claim | None:
    """The claim with this id, or None."""
    return session.get(Claim, claim_id)


def get_entity(session: Session, *, entity_id: str) -> Entity | None:
    """The entity with this id, or None."""
    return session.get(Entity, entity_id)


def get_entity_by_name(session: Session, *, name: str) -> Entity | None:
    """The entity whose canonical name is ``name``, or None."""
    return session.get(Entity, entity_id(name))


def current_source_named(session: Session, *, name: str) -> Source | None:
    """The live (not superseded) document ingested under this file name, or None."""
    query = select(Source).where(Source.name == name, col(Source.superseded_by).is_(None), Source.kind == "document")
    return session.exec(query).first()


def claim_from_mention(mention: Mention, *, subject_name: str) -> Claim:
    """The canonical claim a mention supports (not yet stored)."""
    q = mention.quantity
    bound = bound_of(q.qualifier)
    cid = claim_id(subject=subject_name, metric=mention.metric, scope=mention.scope, quantity=q,
                   value_text=mention.value_text)
    return Claim(
        id=cid, subject_id=entity_id(subject_name), metric=mention.metric, scope=mention.scope, unit=q.unit,
        value=q.value, value_max=q.value_max, qualifier=q.qualifier if bound in ("lower", "upper") else None,
        precision=q.precision, order=q.order, note=q.note,
        value_text=mention.value_text or q.text or "",
        statement=statement(subject=subject_name, metric=mention.metric, scope=mention.scope, quantity=q,
                            value_text=mention.value_text),
    )


def _widen_qualifier(claim: Claim, quantity: Quantity) -> None:
    # An approximate mention makes the claim approximate: "about 50,000" and "50,000" are one claim.
    if claim.qualifier is None and bound_of(quantity.qualifier) == "approx":
        claim.qualifier = "about"


def _store_mention(session: Session, *, source: Source, mention: Mention, vocabulary: Vocabulary) -> str | None:
    spec = vocabulary.entities.get(mention.subject)
    ensure_entity(session, name=mention.subject, kind=spec.kind if spec else "other",
                  parent=spec.parent if spec else None, aliases=spec.aliases if spec else ())
    candidate = claim_from_mention(mention, subject_name=mention.subject)
    claim = session.get(Claim, candidate.id)
    if claim is None:
        claim = candidate
        session.add(claim)
    _widen_qualifier(claim, mention.quantity)
    eid = evidence_id(source=source.id, start=mention.start, end=mention.end, claim=claim.id)
    if session.get(Evidence, eid) is not None:
        return None
    q = mention.quantity
    session.add(Evidence(
        id=eid, claim_id=claim.id, source_id=source.id, start=mention.start, end=mention.end, quote=mention.quote,
        value_start=mention.value_start, value_end=mention.value_end, value_text=mention.value_text,
        value=q.value, value_max=q.value_max, qualifier=q.qualifier, hedge=mention.hedge,
        asserted_by=mention.asserted_by, stance=mention.stance, hypothetical=mention.hypothetical,
        origin="extracted", note=mention.note, review="accepted",
    ))
    return claim.id


def _supersede(session: Session, *, old: Source, new_id: str) -> None:
    old.superseded_by = new_id
    session.add(old)
    for ev in session.exec(select(Evidence).where(Evidence.source_id == old.id, Evidence.origin == "extracted")):
        ev.review = "superseded"
        session.add(ev)


def record_document(
    session: Session, *, document: Document, mentions: Iterable[Mention], vocabulary: Vocabulary
) -> DocumentResult:
    """Store a document and its mentions; a text already stored changes nothing.

    A changed file under a known name becomes a new source; the old one is kept, marked
    superseded, and its extracted evidence stops counting (evidence people added stays).
    """
    sid = source_id(document.sha256)
    if session.get(Source, sid) is not None:
        return DocumentResult(source_id=sid, created=False)
    previous = current_source_named(session, name=document.name)
    source = Source(
        id=sid, name=document.name, title=document.title, author=document.author, published=document.published,
        origin=document.origin, url=document.url, sha256=document.sha256, text=document.text,
    )
    session.add(source)
    session.flush()
    result = DocumentResult(source_id=sid, created=True)
    if previous is not None:
        _supersede(session, old=previous, new_id=sid)
        result.superseded = previous.id
    for mention in mentions:
        touched = _store_mention(session, source=source, mention=mention, vocabulary=vocabulary)
        if touched:
            result.evidence_added += 1
            result.claims_touched.add(touched)
        session.flush()
    return result


def evidence_of_claim(session: Session, *, claim_id: str, reviews: Sequence[str] = ("accepted",)) -> list[Evidence]:
    """The claim's evidence in the given review states, oldest first."""
    query = (
        select(Evidence)
        .where(Evidence.claim_id == claim_id, col(Evidence.review).in_(list(reviews)))
        .order_by(col(Evidence.added_at), col(Evidence.source_id), col(Evidence.start))
    )
    return list(session.exec(query).all())


def relations_of_claim(session: Session, *, claim_id: str) -> list[Relation]:
    """Every relation with this claim at either end."""
    query = select(Relation).where(or_(Relation.claim_a == claim_id, Relation.claim_b == claim_id))
    return list(session.exec(query.order_by(col(Relation.kind), col(Relation.id))).all())


def _fts_query(q: str) -> str:
    terms = re.findall(r"[\w$.%]+", q)
    return " ".join('"' + t.replace('"', "") + '"' for t in terms)


def _apply_search(session: Session, query, q: str):  # type: ignore[no-untyped-def]
    terms = _fts_query(q)
    if not terms:
        return query
    if session.get_bind().dialect.name == "sqlite":
        ids = text("SELECT claim_id FROM claim_fts WHERE claim_fts MATCH :q").bindparams(q=terms)
        return query.where(col(Claim.id).in_(ids))
    pattern = f"%{q.strip()}%"
    return query.where(col(Claim.statement).ilike(pattern))


def list_claims(
    session: Session,
    *,
    status: str | None = None,
    subject: str | None = None,
    metric: str | None = None,
    source: str | None = None,
    asserted_by: str | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[Claim], int]:
    """One page of claims matching every given filter, disputed first, and the total count."""
    query = select(Claim)
    if status:
        query = query.where(Claim.status == status)
    if subject:
        query = query.where(Claim.subject_id == subject)
    if metric:
        query = query.where(Claim.metric == metric)
    if source or asserted_by:
        ev = select(Evidence.claim_id).where(col(Evidence.review) == "accepted")
        if source:
            ev = ev.where(Evidence.source_id == source)
        if asserted_by:
            ev = ev.where(col(Evidence.asserted_by).contains(asserted_by))
        query = query.where(col(Claim.id).in_(ev))
    if q:
        query = _apply_search(session, query, q)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    order = (col(Claim.status) != "disputed", col(Claim.status) != "refuted", col(Claim.subject_id), col(Claim.metric),
             col(Claim.id))
    items = session.exec(query.order_by(*order).offset((page - 1) * per_page).limit(per_page)).all()
    return list(items), int(total)


def list_sources(session: Session, *, include_superseded: bool = False) -> list[Source]:
    """Sources by name; superseded versions only when asked."""
    query = select(Source)
    if not include_superseded:
        query = query.where(col(Source.superseded_by).is_(None))
    return list(session.exec(query.order_by(col(Source.kind), col(Source.name))).all())


def add_submitted_source(session: Session, *, title: str, url: str | None, quote: str, added_by: str | None) -> Source:
    """A source a person cites: its text is the quoted passage, so the quote equals text[0:len]."""
    sha = sha256_of(f"{title}\n{url or ''}\n{quote}")
    sid = source_id(sha)
    found = session.get(Source, sid)
    if found is not None:
        return found
    source = Source(id=sid, name=title, title=title, origin=url or "submitted", url=url, sha256=sha_of_text(quote),
                    text=quote, kind="submitted", added_by=added_by)
    session.add(source)
    session.flush()
    return source


def sha_of_text(text_value: str) -> str:
    """The sha256 recorded for a source is that of its text."""
    return sha256_of(text_value)


def append_evidence(session: Session, *, evidence: Evidence) -> Evidence:
    """Append a piece of evidence; existing evidence is never edited in place."""
    session.add(evidence)
    session.flush()
    return evidence


def reindex_search(session: Session, *, claim_ids: Iterable[str]) -> int:
    """Refresh the full-text index rows of these claims (SQLite FTS5); return how many."""
    ids = sorted(set(claim_ids))
    if not ids or session.get_bind().dialect.name != "sqlite":
        return 0
    for cid in ids:
        claim = session.get(Claim, cid)
        if claim is None:
            continue
        subject = session.get(Entity, claim.subject_id)
        evidence = evidence_of_claim(session, claim_id=cid)
        body = " ".join([
            claim.statement, claim.metric.replace("_", " "), claim.value_text,
            subject.name if subject else "", " ".join(subject.aliases if subject else []),
            *(e.quote for e in evidence), *(e.asserted_by for e in evidence),
        ])
        session.execute(text("DELETE FROM claim_fts WHERE claim_id = :c"), {"c": cid})
        session.execute(text("INSERT INTO claim_fts (claim_id, body) VALUES (:c, :b)"), {"c": cid, "b": body})
    return len(ids)


def corpus_counts(session: Session) -> dict[str, int]:
    """How many sources, claims, evidence, disputed claims and contradiction links are stored."""
    def count(query) -> int:  # type: ignore[no-untyped-def]
        return int(session.exec(select(func.count()).select_from(query.subquery())).one())

    return {
        "sources": count(select(Source.id).where(col(Source.superseded_by).is_(None))),
        "claims": count(select(Claim.id)),
        "evidence": count(select(Evidence.id).where(Evidence.review == "accepted")),
        "disputed": count(select(Claim.id).where(col(Claim.status).in_(["disputed", "refuted"]))),
        "contradictions": count(select(Relation.id).where(Relation.kind == "contradicts")),
        "entities": count(select(Entity.id)),
    }


def touch(claim: Claim) -> None:
    """Mark a claim as changed now."""
    claim.updated_at = utcnow()
