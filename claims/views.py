"""Read models: plain dicts of one claim, source or entity, shared by the CLI, the JSON API and the pages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import union_all
from sqlmodel import Session, col, select

from claims.audit import history_view, reviews_of, status_history
from claims.canonical import metric_label, metric_question
from claims.models import Claim, Entity, Evidence, Relation, Source, as_dict
from claims.queries import (
    claim_digests,
    claims_about,
    claims_asserted_by,
    contradiction_clusters,
    entity_names,
    evidence_counts,
    evidence_in_source,
    most_cited_sources,
    parties_of,
)
from claims.relations import MIN_CONFIDENCE
from claims.store import (
    claims_by_id,
    corpus_counts,
    evidence_of_claim,
    get_claim,
    get_entity,
    get_source,
)

__all__ = [
    "claim_summary",
    "evidence_view",
    "claim_view",
    "value_spread",
    "related_claims",
    "value_label",
    "dispute_groups",
    "disputed_clusters",
    "overview",
    "source_view",
    "is_unclassified",
    "entity_view",
]

CONTEXT_CHARS = 240


def _timestamp(value: Any) -> Any:
    """A stored time as ``as_dict`` writes it (ISO 8601 in UTC, with a Z), without dumping the whole row.

    >>> from datetime import datetime
    >>> _timestamp(datetime(2025, 1, 27, 9, 30)), _timestamp(None)
    ('2025-01-27T09:30:00Z', None)
    """
    return value.replace(tzinfo=None).isoformat() + "Z" if isinstance(value, datetime) else value


def claim_summary(claim: Claim, subject: Entity | None) -> dict[str, Any]:
    """The fields of a claim that lists show."""
    return {
        "id": claim.id,
        "statement": claim.statement,
        "status": claim.status,
        "subject": {"id": claim.subject_id, "name": subject.name if subject else claim.subject_id},
        "metric": claim.metric,
        "metric_label": metric_label(claim.metric),
        "scope": claim.scope,
        "value": claim.value,
        "value_max": claim.value_max,
        "unit": claim.unit,
        "qualifier": claim.qualifier,
        "value_text": claim.value_text,
        "note": claim.note,
        "updated_at": _timestamp(claim.updated_at),
    }


def evidence_view(ev: Evidence, source: Source | None) -> dict[str, Any]:
    """One piece of evidence with its quote in context and its source."""
    text = source.text if source else ev.quote
    before = text[max(0, ev.start - CONTEXT_CHARS) : ev.start]
    after = text[ev.end : ev.end + CONTEXT_CHARS]
    return {
        "id": ev.id,
        "claim_id": ev.claim_id,
        "stance": ev.stance,
        "quote": ev.quote,
        "start": ev.start,
        "end": ev.end,
        "value_start": ev.value_start,
        "value_end": ev.value_end,
        "value_text": ev.value_text,
        "value": ev.value,
        "value_max": ev.value_max,
        "qualifier": ev.qualifier,
        "hedge": ev.hedge,
        "asserted_by": ev.asserted_by,
        "parties": list(parties_of(ev.asserted_by, ev.parties)),
        "confidence": ev.confidence,
        "hypothetical": ev.hypothetical,
        "origin": ev.origin,
        "added_by": ev.added_by,
        "added_at": _timestamp(ev.added_at),
        "note": ev.note,
        "review": ev.review,
        "context_before": before,
        "context_after": after,
        "source": {
            "id": ev.source_id,
            "title": source.title if source else ev.source_id,
            "name": source.name if source else None,
            "url": source.url if source else None,
            "author": source.author if source else None,
            "published": source.published if source else None,
            "kind": source.kind if source else None,
        },
    }


_CLAIM, _RELATION = Claim.__table__, Relation.__table__  # type: ignore[attr-defined]
_C, _R = _CLAIM.c, _RELATION.c
# Claim pages read rivals and related claims as plain rows: a page lists dozens, and ORM objects of whole
# claim rows cost more than the rest of the page.
_RIVAL_COLUMNS = (_C.id, _C.value, _C.value_max, _C.unit, _C.qualifier, _C.value_text, _C.statement,
                  _C.status, _C.origins, _C.asserters)


def value_spread(session: Session, claim: Claim) -> list[dict[str, Any]]:
    """Every claim with the same subject and metric: the values people report, for the spread chart."""
    rivals: Sequence[Any] = session.execute(  # rows with a claim's attributes: they stand in for Claim below
        sa_select(*_RIVAL_COLUMNS)
        .where(_C.subject_id == claim.subject_id, _C.metric == claim.metric)
        .order_by(_C.value.nulls_first(), _C.id)  # NULLs first on both databases
    ).all()
    digests = claim_digests(session, claims=rivals)
    out = []
    for rival in rivals:
        out.append(
            {
                "id": rival.id,
                "value": rival.value,
                "value_max": rival.value_max,
                "unit": rival.unit,
                "qualifier": rival.qualifier,
                "value_text": rival.value_text,
                "value_label": value_label(rival),
                "status": rival.status,
                "asserted_by": digests[rival.id][1],
                "current": rival.id == claim.id,
                "origins": digests[rival.id][0]["for"],
            }
        )
    return out


def related_claims(session: Session, *, claim_id: str) -> list[dict[str, Any]]:
    """The claims linked to this one, each with the link's kind and reason, by kind then link: one query."""
    columns = (_R.id.label("rid"), _R.kind, _R.reason, _C.id.label("claim_id"), _C.statement, _C.status)
    as_a = sa_select(*columns).join_from(_RELATION, _CLAIM, _C.id == _R.claim_b).where(_R.claim_a == claim_id)
    as_b = sa_select(*columns).join_from(_RELATION, _CLAIM, _C.id == _R.claim_a).where(
        _R.claim_b == claim_id, _R.claim_a != claim_id
    )
    rows = session.execute(union_all(as_a, as_b).order_by("kind", "rid")).all()
    return [{"kind": r.kind, "claim_id": r.claim_id, "statement": r.statement, "status": r.status,
             "reason": r.reason} for r in rows]


def _set_aside(
    session: Session, evidence: list[Evidence], sources: dict[str, Source]
) -> list[dict[str, Any]]:
    """Rejected and retracted evidence with the decision that set it aside: kept on record, never counted."""
    reviews = reviews_of(session, evidence_ids=[e.id for e in evidence])
    out = []
    for ev in evidence:
        decisions = reviews.get(ev.id, [])
        decision = decisions[-1] if decisions else None
        out.append(evidence_view(ev, sources.get(ev.source_id)) | {
            "decision": None if decision is None else {
                "decision": decision.decision, "reviewer": decision.reviewer, "comment": decision.comment,
                "at": as_dict(decision)["at"],
            }
        })
    return out


def claim_view(session: Session, *, claim_id: str, moderator: bool = False) -> dict[str, Any] | None:
    """Everything about one claim: statement, status and reasons, evidence in context, relations, spread,
    the status history, how much evidence waits for moderation, and what was set aside (rejected
    submissions only for a ``moderator``: anyone else sees how many there were, not their words)."""
    claim = get_claim(session, claim_id=claim_id)
    if claim is None:
        return None
    subject = session.get(Entity, claim.subject_id)
    everything = evidence_of_claim(
        session, claim_id=claim_id, reviews=("accepted", "pending", "rejected", "retracted")
    )
    # a rejected submission was never public: its words and source stay private, only their number shows
    set_aside = [e for e in everything if e.review == "retracted" or (moderator and e.review == "rejected")]
    sources = {
        s.id: s
        for s in session.exec(select(Source).where(col(Source.id).in_({e.source_id for e in everything})))
    }
    view = claim_summary(claim, subject)
    view.update(
        {
            "reasons": list(claim.reasons),
            "question": metric_question(claim.metric, subject.name if subject else claim.subject_id),
            "evidence": [
                evidence_view(e, sources.get(e.source_id)) for e in everything if e.review == "accepted"
            ],
            "pending_count": sum(e.review == "pending" for e in everything),
            "rejected_count": 0 if moderator else sum(e.review == "rejected" for e in everything),
            "set_aside": _set_aside(session, set_aside, sources),
            "history": history_view(status_history(session, claim_id=claim_id)),
            "related": related_claims(session, claim_id=claim_id),
            "spread": value_spread(session, claim),
        }
    )
    return view


def value_label(claim: Claim) -> str:
    """What a claim says, without its subject and metric: the words to put side by side with rivals.

    >>> value_label(Claim(id="c", subject_id="s", metric="gpu_count", unit="GPU", value_text="50,000",
    ...                   statement="DeepSeek GPU count: about 50,000 GPUs"))
    'about 50,000 GPUs'
    """
    return claim.statement.split(": ", 1)[-1]


def _group_subject(members: Sequence[Any], entities: dict[str, Entity]) -> str:
    # A dispute between a company and its own model ("DeepSeek uses MoE" vs "R1 does not") is asked
    # about the parent: prefer the subject that is every other subject's parent, else the most common.
    subjects: Counter[str] = Counter(c.subject_id for c in members)
    for candidate in subjects:
        others = set(subjects) - {candidate}
        if others and all(entities.get(o) is not None and entities[o].parent_id == candidate for o in others):
            return candidate
    return min(subjects, key=lambda s: (-subjects[s], s))


def _rival(
    claim: Claim,
    entities: dict[str, Entity],
    origins: dict[str, dict[str, list[str]]],
    counts: dict[str, dict[str, int]],
) -> dict[str, Any]:
    sides = origins.get(claim.id, {"for": [], "against": []})
    return claim_summary(claim, entities.get(claim.subject_id)) | {
        "value_label": value_label(claim),
        "origins": sides["for"],
        "origin_count": len(sides["for"]),
        "against": sides["against"],
        "evidence_count": counts.get(claim.id, {}).get("evidence", 0),
    }


def _dispute_group(
    members: list[Claim],
    entities: dict[str, Entity],
    origins: dict[str, dict[str, list[str]]],
    counts: dict[str, dict[str, int]],
) -> dict[str, Any]:
    subject_id, name, metric, question, rank = _group_rank(members, entities, origins, counts)
    rivals = sorted(
        members, key=lambda c: (c.value is None, c.value or 0.0, c.value_max or 0.0, c.value_text)
    )
    return {
        "question": question,
        "metric": metric,
        "metric_label": metric_label(metric),
        "subject": {"id": subject_id, "name": name},
        "origin_count": -rank[1],
        "evidence_count": -rank[0],
        "claims": [_rival(c, entities, origins, counts) for c in rivals],
    }


def _group_rank(
    members: Sequence[Any],
    entities: dict[str, Entity],
    origins: dict[str, dict[str, list[str]]],
    counts: dict[str, dict[str, int]],
) -> tuple[str, str, str, str, tuple[int, int, str]]:
    """A dispute group's subject (id and name), metric and question, and its place among groups: most
    evidence first, then most independent origins, then by question. ``members`` need only their id,
    subject_id and metric."""
    subject_id = _group_subject(members, entities)
    subject = entities.get(subject_id)
    metric = Counter(c.metric for c in members).most_common(1)[0][0]
    name = subject.name if subject else subject_id
    question = metric_question(metric, name)
    all_origins = {o for c in members for o in origins.get(c.id, {}).get("for", [])}
    evidence = sum(counts.get(c.id, {}).get("evidence", 0) for c in members)
    return subject_id, name, metric, question, (-evidence, -len(all_origins), question)


def disputed_clusters(session: Session) -> list[list[str]]:
    """The groups of claim ids joined by contradictions in which a claim is disputed or refuted: read as
    two columns of the relations and of their claims, without loading the claims."""
    clusters = contradiction_clusters(session)
    ends = sorted({cid for ids in clusters for cid in ids})
    contested: set[str] = set()
    for i in range(0, len(ends), 1000):
        contested.update(
            session.exec(
                select(Claim.id).where(
                    col(Claim.id).in_(ends[i:i + 1000]), col(Claim.status).in_(("disputed", "refuted"))
                )
            )
        )
    return [ids for ids in clusters if not contested.isdisjoint(ids)]


def dispute_groups(
    session: Session, *, limit: int | None = None, clusters: list[list[str]] | None = None
) -> list[dict[str, Any]]:
    """Rival claims joined by contradictions, one group per question, when one of them is disputed or refuted.

    The most discussed questions (most evidence, then most independent origins) come first; with ``limit``,
    only the first ones are built: groups are ranked by their evidence counts (one grouped count), and
    only those that can reach the first ``limit`` are read whole.
    """
    clusters = disputed_clusters(session) if clusters is None else clusters
    ids = sorted({cid for group in clusters for cid in group})
    counts = evidence_counts(session, claim_ids=ids)
    if limit is not None and len(clusters) > limit:
        # rank every group from four light columns of its claims; read only the first ``limit`` whole
        light = {r.id: r for r in _light_claims(session, ids)}
        origins = _stored_origins(session, light)
        entities = entity_names(session, ids={r.subject_id for r in light.values()})
        def rank(group: list[str]) -> tuple[int, int, str]:
            return _group_rank([light[i] for i in group if i in light], entities, origins, counts)[4]

        clusters = sorted(clusters, key=rank)[:limit]
        ids = sorted({cid for group in clusters for cid in group})
    claims = {c.id: c for c in claims_by_id(session, ids)}
    origins = {cid: digest[0] for cid, digest in claim_digests(session, claims=list(claims.values())).items()}
    entities = entity_names(session, ids={c.subject_id for c in claims.values()})
    groups = [
        _dispute_group([claims[i] for i in group if i in claims], entities, origins, counts)
        for group in clusters
    ]
    groups.sort(key=lambda g: (-g["evidence_count"], -g["origin_count"], g["question"]))
    return groups


def _light_claims(session: Session, ids: list[str]) -> list[Any]:
    rows: list[Any] = []
    for i in range(0, len(ids), 1000):
        query = sa_select(_C.id, _C.subject_id, _C.metric, _C.origins).where(_C.id.in_(ids[i:i + 1000]))
        rows.extend(session.execute(query))
    return rows


def _stored_origins(session: Session, light: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Each claim's origins as refresh stored them; counted from evidence for a claim it has not digested."""
    origins = {cid: r.origins for cid, r in light.items() if r.origins is not None}
    missing = [cid for cid in light if cid not in origins]
    if missing:
        digests = claim_digests(session, claims=claims_by_id(session, missing))
        origins.update((cid, digest[0]) for cid, digest in digests.items())
    return origins


HOME_SOURCES = 10


def overview(session: Session, *, limit: int | None = None) -> dict[str, Any]:
    """The home page: corpus counts, the (first ``limit``) disputes grouped by question, and the sources
    that hold the most evidence."""
    clusters = disputed_clusters(session)
    sources = most_cited_sources(session, limit=HOME_SOURCES)
    return {
        "counts": corpus_counts(session),
        "disputes": dispute_groups(session, limit=limit, clusters=clusters),
        "disputes_total": len(clusters),
        "sources": sources,
    }


def _located_evidence(ev: Evidence, claim: Claim) -> dict[str, Any]:
    return {
        "id": ev.id,
        "claim_id": claim.id,
        "statement": claim.statement,
        "status": claim.status,
        "start": ev.start,
        "end": ev.end,
        "value_start": ev.value_start,
        "value_end": ev.value_end,
        "quote": ev.quote,
        "value_text": ev.value_text,
        "asserted_by": ev.asserted_by,
        "stance": ev.stance,
        "hedge": ev.hedge,
        "hypothetical": ev.hypothetical,
        "origin": ev.origin,
        "review": ev.review,
        "confidence": ev.confidence,
        "unclassified": is_unclassified(claim.metric, ev.confidence),
    }


def is_unclassified(metric: str, confidence: float | None) -> bool:
    """A figure whose metric or subject extraction could not read surely: it takes part in no relation and
    no status, and waits for an editor's review.

    >>> is_unclassified("other", None), is_unclassified("gpu_count", 0.5), is_unclassified("gpu_count", None)
    (True, True, False)
    """
    return metric == "other" or (confidence is not None and confidence < MIN_CONFIDENCE)


def source_view(session: Session, *, source_id: str, public: bool = False) -> dict[str, Any] | None:
    """One source with its text and every piece of evidence found in it, in text order (when ``public``,
    none that is held for moderation or was rejected)."""
    source = get_source(session, source_id=source_id)
    if source is None:
        return None
    view = as_dict(source)
    view["evidence"] = [
        _located_evidence(ev, claim)
        for ev, claim in evidence_in_source(session, source_id=source_id, public=public)
    ]
    view["unclassified"] = [ev["id"] for ev in view["evidence"] if ev["unclassified"]]
    return view


def _entity_ref(entity: Entity | None) -> dict[str, str] | None:
    return {"id": entity.id, "name": entity.name} if entity else None


def entity_view(session: Session, *, entity_id: str) -> dict[str, Any] | None:
    """One entity: its aliases, parent and children, the claims about it and the claims it asserts."""
    entity = get_entity(session, entity_id=entity_id)
    if entity is None:
        return None
    children = session.exec(
        select(Entity).where(Entity.parent_id == entity.id).order_by(col(Entity.name))
    ).all()
    about = claims_about(session, entity_id=entity.id)
    asserted = claims_asserted_by(session, entity=entity)
    subjects = entity_names(session, ids={c.subject_id for c, _ in asserted})
    return {
        "id": entity.id,
        "name": entity.name,
        "kind": entity.kind,
        "aliases": list(entity.aliases),
        "parent": _entity_ref(get_entity(session, entity_id=entity.parent_id) if entity.parent_id else None),
        "children": [_entity_ref(c) for c in children],
        "about": [claim_summary(c, entity) | {"value_label": value_label(c)} for c in about],
        "asserted": [
            claim_summary(c, subjects.get(c.subject_id))
            | {
                "evidence_id": ev.id,
                "source_id": ev.source_id,
                "quote": ev.quote,
                "stance": ev.stance,
                "asserted_by": ev.asserted_by,
            }
            for c, ev in asserted
        ],
    }
