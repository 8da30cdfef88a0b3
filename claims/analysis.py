"""Recompute derived data: relations between claims and each claim's status, writing only what changed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from claims.canonical import metric_label
from claims.models import Claim, Entity, Evidence, Relation, Source, utcnow
from claims.quantities import Quantity
from claims.relations import ClaimFacts, RelationFacts, detect_relations
from claims.status import EvidenceFacts, Verdict, compute_status, origins_of
from claims.vocabulary import BOOL_METRICS, Vocabulary

__all__ = ["RefreshResult", "refresh", "claim_facts", "evidence_facts"]


@dataclass
class RefreshResult:
    """What a refresh changed."""

    relations_added: int = 0
    relations_removed: int = 0
    statuses_changed: int = 0
    changed_claims: list[tuple[str, str, str]] = field(default_factory=list)  # (claim, old, new)


def _source_labels(session: Session) -> dict[str, str]:
    rows = session.exec(select(Source.id, Source.title, Source.author, Source.kind)).all()
    return {
        sid: (f"{author} («{title}»)" if author else f"the author of «{title}»") if kind == "document" else f"«{title}»"
        for sid, title, author, kind in rows
    }


def evidence_facts(session: Session) -> dict[str, list[EvidenceFacts]]:
    """Every counted or pending piece of evidence, by claim, as plain facts."""
    labels = _source_labels(session)
    query = select(
        Evidence.id, Evidence.claim_id, Evidence.source_id, Evidence.asserted_by, Evidence.stance,
        Evidence.hypothetical, Evidence.hedge, Evidence.review,
    ).where(col(Evidence.review).in_(["accepted", "pending"]))
    by_claim: dict[str, list[EvidenceFacts]] = defaultdict(list)
    for eid, cid, sid, asserted_by, stance, hypothetical, hedge, review in session.exec(query):
        origins = origins_of(asserted_by, source_label=labels.get(sid, sid))
        by_claim[cid].append(EvidenceFacts(eid, cid, origins, stance, bool(hypothetical), hedge, review))
    return by_claim


def _category(claim: Claim, vocabulary: Vocabulary) -> str | None:
    if claim.value is not None:
        return None
    if claim.metric == "gpu_type":
        return vocabulary.hardware_tier(claim.value_text)
    return claim.value_text.lower() or None


def claim_facts(
    claims: list[Claim], entities: dict[str, Entity], evidence: dict[str, list[EvidenceFacts]], vocabulary: Vocabulary
) -> list[ClaimFacts]:
    """Claims as the plain facts relation detection works on."""
    out = []
    for c in claims:
        entity = entities.get(c.subject_id)
        name = entity.name if entity else c.subject_id
        parent = entities.get(entity.parent_id) if entity and entity.parent_id else None
        live = [e for e in evidence.get(c.id, ()) if e.review == "accepted" and not e.hypothetical]
        out.append(ClaimFacts(
            id=c.id, subject=name, metric=c.metric, scope=c.scope, family=vocabulary.family(name),
            quantity=Quantity(c.value, c.value_max, c.unit, c.qualifier, c.value_text, c.precision, c.note, c.order),
            category=_category(c, vocabulary), hypothetical_only=not live,
            subject_kind=entity.kind if entity else "other", parent=parent.name if parent else None,
            label=c.statement,
        ))
    return out


def _sync_relations(session: Session, found: list[RelationFacts], result: RefreshResult) -> list[Relation]:
    wanted = {r.id: r for r in found}
    stored = {r.id: r for r in session.exec(select(Relation)).all()}
    for rid, row in stored.items():
        if rid not in wanted:
            session.delete(row)
            result.relations_removed += 1
        elif row.reason != wanted[rid].reason:
            row.reason = wanted[rid].reason
            session.add(row)
    for rid, rel in wanted.items():
        if rid not in stored:
            session.add(Relation(id=rid, kind=rel.kind, claim_a=rel.a, claim_b=rel.b, reason=rel.reason))
            result.relations_added += 1
    return [r for r in stored.values() if r.id in wanted]


def _apply_verdict(claim: Claim, verdict: Verdict, result: RefreshResult) -> None:
    reasons = list(verdict.reasons)
    if claim.status != verdict.status or claim.reasons != reasons:
        if claim.status != verdict.status:
            result.changed_claims.append((claim.id, claim.status, verdict.status))
            result.statuses_changed += 1
        claim.status = verdict.status
        claim.reasons = reasons
        claim.updated_at = utcnow()


def refresh(session: Session, *, vocabulary: Vocabulary) -> RefreshResult:
    """Recompute every relation and status; unchanged rows are not written."""
    result = RefreshResult()
    claims = list(session.exec(select(Claim)).all())
    entities = {e.id: e for e in session.exec(select(Entity)).all()}
    evidence = evidence_facts(session)
    facts = claim_facts(claims, entities, evidence, vocabulary)
    found = detect_relations(facts, bool_metrics=BOOL_METRICS, is_ancestor=vocabulary.is_ancestor_or_self)
    _sync_relations(session, found, result)
    by_claim: dict[str, list[RelationFacts]] = defaultdict(list)
    for rel in found:
        by_claim[rel.a].append(rel)
        by_claim[rel.b].append(rel)
    labels = {c.id: c.statement for c in claims}
    for claim in claims:
        verdict = compute_status(claim.id, evidence=evidence.get(claim.id, []), relations=by_claim.get(claim.id, []),
                                 evidence_by_claim=evidence, labels=labels)
        _apply_verdict(claim, verdict, result)
    session.flush()
    return result


def metric_title(metric: str) -> str:
    """A capitalised metric label for headings."""
    label = metric_label(metric)
    return label[:1].upper() + label[1:]
