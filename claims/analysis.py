"""Recompute derived data: relations between claims and each claim's status, writing only what changed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

from sqlalchemy import bindparam, delete, select, update
from sqlmodel import Session

from claims.audit import StatusCause, record_status_changes
from claims.canonical import metric_label
from claims.db import insert_rows
from claims.models import Claim, Entity, Evidence, Relation, Source, utcnow
from claims.quantities import Quantity
from claims.relations import MIN_CONFIDENCE, ClaimFacts, RelationFacts, detect_relations
from claims.status import (
    DEFAULT_WEAK_HEDGES,
    EvidenceFacts,
    Verdict,
    Weighing,
    claim_digest,
    compute_status,
    origins_of,
)
from claims.vocabulary import Vocabulary

__all__ = ["RefreshResult", "Derived", "derive", "refresh", "claim_facts", "evidence_facts", "group_of"]

_CHUNK = 500
# SQLModel sets ``__table__`` on table models when the class is created, without a type, so each use
# of it below carries ``type: ignore[attr-defined]`` (as claims/queries.py does).
C, E, R = Claim.__table__.c, Evidence.__table__.c, Relation.__table__.c  # type: ignore[attr-defined]
_REASON_MAX = R.reason.type.length


@dataclass
class RefreshResult:
    """What a refresh changed."""

    relations_added: int = 0
    relations_removed: int = 0
    statuses_changed: int = 0
    changed_claims: list[tuple[str, str, str]] = field(default_factory=list)  # (claim, old, new)


def group_of(
    subject_id: str, metric: str, families: dict[str, str], metric_groups: dict[str, str] | None = None
) -> tuple[str, str]:
    """The group a claim is compared within: its subject's family and its metric (or the key of the metrics
    a scope facet links, 'capex+spending+training_cost').

    Relations never cross groups, so a change to one group leaves every other group as it was.

    >>> group_of("deepseek-v3", "capex", {"deepseek-v3": "DeepSeek"}, {"capex": "capex+training_cost"})
    ('DeepSeek', 'capex+training_cost')
    """
    return families.get(subject_id, subject_id), (metric_groups or {}).get(metric, metric)


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


def _source_labels(session: Session, source_ids: Sequence[str] | None = None) -> dict[str, str]:
    """How each source (of the given ones, or all) is named as an origin."""
    S = Source.__table__.c  # type: ignore[attr-defined]
    query = select(S.id, S.title, S.author, S.kind)
    rows: list[Any] = []
    if source_ids is None:
        rows = list(session.execute(query))
    else:  # only the sources of the evidence at hand: one post must not read every source ever stored
        for chunk in _chunks(sorted(set(source_ids))):
            rows.extend(session.execute(query.where(S.id.in_(chunk))))
    return {
        sid: (f"{author} («{title}»)" if author else f"the author of «{title}»")
        if kind == "document"
        else f"«{title}»"
        for sid, title, author, kind in rows
    }


def evidence_facts(
    session: Session, claim_ids: Sequence[str] | None = None
) -> dict[str, list[EvidenceFacts]]:
    """Counted or pending evidence by claim (of the given claims, or all), as plain facts."""
    query = select(
        E.id, E.claim_id, E.source_id, E.asserted_by, E.stance, E.hypothetical, E.hedge, E.review,
        E.start, E.end, E.confidence, E.parties,
    ).where(E.review.in_(["accepted", "pending"]))
    rows: list[Any] = []
    if claim_ids is None:
        rows = list(session.execute(query).all())  # (all(): fetched in bulk, not row by row)
    else:
        for chunk in _chunks(list(claim_ids)):
            rows.extend(session.execute(query.where(E.claim_id.in_(chunk))).all())
    labels = _source_labels(session, None if claim_ids is None else [row[2] for row in rows])
    by_claim: dict[str, list[EvidenceFacts]] = defaultdict(list)
    for row in rows:
        eid, cid, sid, asserted_by, stance, hypothetical, hedge, review, start, end, confidence, parties = row
        origins = origins_of(tuple(parties or (asserted_by,)), source_label=labels.get(sid, sid))
        by_claim[cid].append(
            EvidenceFacts(
                eid, cid, origins, stance, bool(hypothetical), hedge, review, asserted_by, sid, start, end,
                confidence,
            )
        )
    return by_claim


def _category(row: Any, vocabulary: Vocabulary) -> str | None:
    if row.value is not None:
        return None
    if row.metric == "gpu_type":
        return vocabulary.hardware_tier(row.value_text)
    return str(row.value_text).lower() or None


def claim_facts(
    rows: Sequence[Any],
    entities: dict[str, Any],
    evidence: dict[str, list[EvidenceFacts]],
    vocabulary: Vocabulary,
) -> list[ClaimFacts]:
    """Claim rows as the plain facts relation detection works on."""
    out = []
    weak = vocabulary.weak_hedges or DEFAULT_WEAK_HEDGES
    for c in rows:
        entity = entities.get(c.subject_id)
        name = entity.name if entity else c.subject_id
        parent = entities.get(entity.parent_id) if entity is not None and entity.parent_id else None
        live = [
            e
            for e in evidence.get(c.id, ())
            if e.review == "accepted" and not e.hypothetical and e.stance == "supports"
        ]
        sure = max((1.0 if e.confidence is None else e.confidence for e in live), default=0.0)
        out.append(
            ClaimFacts(
                id=c.id,
                subject=name,
                metric=c.metric,
                scope=c.scope,
                family=vocabulary.family(name),
                quantity=Quantity(
                    c.value, c.value_max, c.unit, c.qualifier, c.value_text, c.precision, c.note, c.order
                ),
                category=_category(c, vocabulary),
                hypothetical_only=not live,
                subject_kind=entity.kind if entity is not None else "other",
                parent=parent.name if parent is not None else None,
                label=c.statement,
                passages=frozenset((e.source_id, e.start, e.end, e.asserted_by or "author") for e in live),
                confident=c.metric != "other" and sure >= MIN_CONFIDENCE,
                speculative=bool(live) and all((e.hedge or "") in weak for e in live),
            )
        )
    return out


def _families(entities: dict[str, Any], vocabulary: Vocabulary) -> dict[str, str]:
    return {eid: vocabulary.family(e.name) for eid, e in entities.items()}


def _claim_rows(
    session: Session,
    groups: set[tuple[str, str]] | None,
    families: dict[str, str],
    metric_groups: dict[str, str] | None = None,
) -> list[Any]:
    columns = (
        C.id, C.subject_id, C.metric, C.scope, C.unit, C.value, C.value_max, C.qualifier, C.precision,
        C.order, C.note, C.value_text, C.statement, C.status, C.reasons, C.origins, C.asserters,
    )
    if groups is None:
        return list(session.execute(select(*columns)))
    # only the claims of these groups, found by the (subject, metric) index: the subjects of each group's
    # family (a subject outside every family is its own) and the metrics its key joins
    members: dict[str, set[str]] = defaultdict(set)
    for subject_id, family in families.items():
        members[family].add(subject_id)
    subjects = sorted({s for family, _ in groups for s in members.get(family, set()) | {family}})
    metrics = sorted({member for _, key in groups for member in key.split("+")})
    rows: list[Any] = []
    for chunk in _chunks(subjects):
        query = select(*columns).where(C.subject_id.in_(chunk), C.metric.in_(metrics))
        found = session.execute(query)
        rows.extend(r for r in found if group_of(r.subject_id, r.metric, families, metric_groups) in groups)
    return rows


def _sync_relations(
    session: Session, found: list[RelationFacts], claim_ids: set[str], result: RefreshResult
) -> None:
    """Make the stored relations among these claims equal to ``found``: insert, delete, re-word."""
    # reasons cut to the column (PostgreSQL enforces it), before comparing with the stored ones
    wanted = {r.id: replace(r, reason=r.reason[:_REASON_MAX]) for r in found}
    stored: dict[str, str] = {}
    ids = sorted(claim_ids)
    for chunk in _chunks(ids):
        stored.update(
            {
                rid: reason
                for rid, reason in cast(
                    "Iterable[tuple[str, str]]",
                    session.execute(select(R.id, R.reason).where(R.claim_a.in_(chunk))),
                )
            }
        )
    stale = sorted(set(stored) - set(wanted))
    for chunk in _chunks(stale):
        session.execute(delete(Relation.__table__).where(R.id.in_(chunk)))  # type: ignore[attr-defined]
    result.relations_removed += len(stale)
    now = utcnow()  # one refresh, one time (stored to the second)
    new = [
        {
            "id": rid,
            "kind": r.kind,
            "claim_a": r.a,
            "claim_b": r.b,
            "reason": r.reason,
            "created_at": now,
        }
        for rid, r in wanted.items()
        if rid not in stored
    ]
    insert_rows(session, Relation.__table__, new)  # type: ignore[attr-defined]
    result.relations_added += len(new)
    reworded = [
        {"rid": rid, "new_reason": r.reason}
        for rid, r in wanted.items()
        if rid in stored and stored[rid] != r.reason
    ]
    if reworded:
        session.execute(
            update(Relation.__table__)  # type: ignore[attr-defined]
            .where(R.id == bindparam("rid"))
            .values(reason=bindparam("new_reason")),
            reworded,
        )


Digest = tuple[dict[str, list[str]], list[str]]  # a claim's origins for and against, and its asserters


def _apply_digests(session: Session, rows: Sequence[Any], digests: dict[str, Digest]) -> None:
    """Store each claim's origins and asserters where they changed (or were never computed)."""
    changes = [
        {"cid": row.id, "new_origins": digests[row.id][0], "new_asserters": digests[row.id][1]}
        for row in rows
        if (row.origins, row.asserters) != digests[row.id]
    ]
    if changes:
        session.execute(
            update(Claim.__table__)  # type: ignore[attr-defined]
            .where(C.id == bindparam("cid"))
            .values(origins=bindparam("new_origins"), asserters=bindparam("new_asserters")),
            changes,
        )


def _apply_verdicts(
    session: Session, rows: Sequence[Any], verdicts: dict[str, Verdict], result: RefreshResult
) -> None:
    changes = []
    now = utcnow()
    for row in rows:
        verdict = verdicts[row.id]
        reasons = list(verdict.reasons)
        if row.status != verdict.status or list(row.reasons or []) != reasons:
            if row.status != verdict.status:
                result.changed_claims.append((row.id, row.status, verdict.status))
                result.statuses_changed += 1
            changes.append(
                {"cid": row.id, "new_status": verdict.status, "new_reasons": reasons, "now": now}
            )
    if changes:
        statement = (
            update(Claim.__table__)  # type: ignore[attr-defined]
            .where(C.id == bindparam("cid"))
            .values(
                status=bindparam("new_status"), reasons=bindparam("new_reasons"), updated_at=bindparam("now")
            )
        )
        session.execute(statement, changes)


@dataclass
class Derived:
    """Relations and statuses recomputed from evidence, before anything is written."""

    rows: list[Any]
    relations: list[RelationFacts]
    verdicts: dict[str, Verdict]
    digests: dict[str, Digest] = field(default_factory=dict)


def derive(session: Session, *, vocabulary: Vocabulary, claim_ids: Iterable[str] | None = None) -> Derived:
    """What relations and statuses should be, for every claim or the groups of ``claim_ids``; reads only."""
    entities = {
        e.id: e for e in session.execute(select(Entity.__table__)).all()  # type: ignore[attr-defined]
    }
    families = _families(entities, vocabulary)
    groups: set[tuple[str, str]] | None = None
    if claim_ids is not None:
        wanted = sorted(set(claim_ids))
        if not wanted:
            return Derived([], [], {})
        groups = set()
        for chunk in _chunks(wanted):
            groups.update(
                group_of(sid, metric, families, vocabulary.metric_groups)
                for sid, metric in cast(
                    "Iterable[tuple[str, str]]",
                    session.execute(select(C.subject_id, C.metric).where(C.id.in_(chunk))),
                )
            )
    rows = _claim_rows(session, groups, families, vocabulary.metric_groups)
    ids = [r.id for r in rows]
    evidence = evidence_facts(session, None if groups is None else ids)
    facts = claim_facts(rows, entities, evidence, vocabulary)
    found = detect_relations(
        facts,
        is_ancestor=vocabulary.is_ancestor_or_self,
        parts=vocabulary.part_scopes,
        scope_labels=vocabulary.scope_labels,
        metric_groups=vocabulary.metric_groups,
    )
    by_claim: dict[str, list[RelationFacts]] = defaultdict(list)
    for rel in found:
        by_claim[rel.a].append(rel)
        by_claim[rel.b].append(rel)
    labels = {r.id: r.statement for r in rows}
    cache: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    verdicts = {
        f.id: compute_status(
            f.id,
            evidence=evidence.get(f.id, []),
            relations=by_claim.get(f.id, []),
            evidence_by_claim=evidence,
            labels=labels,
            cache=cache,
            weighing=Weighing(
                maker=vocabulary.maker(f.subject),
                weak_hedges=vocabulary.weak_hedges or DEFAULT_WEAK_HEDGES,
                classified=f.confident and f.metric != "other",
            ),
        )
        for f in facts
    }
    digests = {r.id: claim_digest(evidence.get(r.id, ())) for r in rows}
    return Derived(rows, found, verdicts, digests)


def refresh(
    session: Session,
    *,
    vocabulary: Vocabulary,
    claim_ids: Iterable[str] | None = None,
    cause: StatusCause | None = None,
) -> RefreshResult:
    """Recompute relations and statuses; unchanged rows are not written.

    Every status that changes gets a row in the claim's status history naming ``cause`` (an ingest
    when none is given), so a refresh that changes nothing writes nothing.
    With ``claim_ids``, only the groups (subject family, metric) those claims belong to are
    recomputed: relations never cross groups, so the rest of the graph cannot change.
    """
    session.flush()
    result = RefreshResult()
    derived = derive(session, vocabulary=vocabulary, claim_ids=claim_ids)
    if not derived.rows:
        return result
    _sync_relations(session, derived.relations, {r.id for r in derived.rows}, result)
    _apply_verdicts(session, derived.rows, derived.verdicts, result)
    _apply_digests(session, derived.rows, derived.digests)
    record_status_changes(session, changes=result.changed_claims, cause=cause or StatusCause())
    session.flush()
    session.expire_all()  # rows were written with Core statements: reload any ORM objects on next access
    return result


def metric_title(metric: str) -> str:
    """A capitalised metric label for headings."""
    label = metric_label(metric)
    return label[:1].upper() + label[1:]
