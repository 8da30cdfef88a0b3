"""Read-only queries for the pages and the API: keyword-only, session first, returning plain data or None."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from typing import Any, cast

import networkx as nx
from sqlalchemy import and_, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from claims.analysis import evidence_facts
from claims.canonical import metric_label
from claims.models import Claim, Entity, Evidence, Relation, Source
from claims.status import claim_digest, origins_of
from claims.vocabulary import norm_name

__all__ = [
    "ACCEPTED",
    "ON_RECORD",
    "claim_digests",
    "contradiction_clusters",
    "entity_names",
    "evidence_counts",
    "claim_facets",
    "evidence_in_source",
    "parties_of",
    "party_index",
    "claims_asserted_by",
    "claims_about",
    "entities_with_counts",
    "sources_with_counts",
    "most_cited_sources",
    "is_public_source",
]

ACCEPTED = "accepted"
# What anyone may see of evidence, and what makes a cited source public: accepted evidence, and evidence
# accepted once and since retracted (kept on record). Held and rejected submissions stay private.
ON_RECORD = (ACCEPTED, "retracted")
# IN lists go in chunks: every value is a bind parameter, and PostgreSQL takes at most 65,535 per statement
_CHUNK = 1000
_SOURCE_LIST_FIELDS = ("id", "name", "title", "author", "published", "url", "kind", "superseded_by")


def claim_digests(
    session: Session, *, claims: Sequence[Claim]
) -> dict[str, tuple[dict[str, list[str]], list[str]]]:
    """For each claim: its independent origins for and against, and who asserts it.

    Refresh stores both beside the status (``Claim.origins``, ``Claim.asserters``), so this costs no query;
    a claim no refresh has digested yet (a database from before they were stored) has them counted from its
    evidence, as refresh would count them.
    """
    out = {
        c.id: (c.origins, c.asserters) for c in claims if c.origins is not None and c.asserters is not None
    }
    missing = sorted(c.id for c in claims if c.id not in out)
    if missing:
        facts = evidence_facts(session, missing)
        out.update({cid: claim_digest(facts.get(cid, ())) for cid in missing})
    return out


def contradiction_clusters(session: Session) -> list[list[str]]:
    """Groups of claim ids joined by contradiction links, largest first (ids sorted within a group)."""
    graph: nx.Graph[str] = nx.Graph()
    graph.add_edges_from(
        session.exec(select(Relation.claim_a, Relation.claim_b).where(Relation.kind == "contradicts"))
    )
    return sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c))


def entity_names(session: Session, *, ids: Iterable[str] | None = None) -> dict[str, Entity]:
    """Entities by id (all of them, or those with the given ids)."""
    if ids is None:
        return {e.id: e for e in session.exec(select(Entity))}
    wanted = sorted(set(ids))
    return {e.id: e for i in range(0, len(wanted), _CHUNK)
            for e in session.exec(select(Entity).where(col(Entity.id).in_(wanted[i:i + _CHUNK])))}


def evidence_counts(session: Session, *, claim_ids: Collection[str]) -> dict[str, dict[str, int]]:
    """For each claim: how many accepted pieces of evidence and distinct sources it has."""
    ids = sorted(claim_ids)
    counts: dict[str, dict[str, int]] = {}
    for i in range(0, len(ids), _CHUNK):
        query = (
            select(
                Evidence.claim_id, func.count(col(Evidence.id)), func.count(func.distinct(Evidence.source_id))
            )
            .where(col(Evidence.claim_id).in_(ids[i:i + _CHUNK]), Evidence.review == ACCEPTED)
            .group_by(col(Evidence.claim_id))
        )
        counts.update({cid: {"evidence": int(n), "sources": int(s)} for cid, n, s in session.exec(query)})
    return counts


def parties_of(asserted_by: str | None, parties: Sequence[str] | None = None) -> tuple[str, ...]:
    """The parties asserting a piece of evidence: its stored list, else the one party ``asserted_by``
    names; the article's author is ``'author'``.

    >>> parties_of("Elon Musk and Alexandr Wang", ["Elon Musk", "Alexandr Wang"])
    ('Elon Musk', 'Alexandr Wang')
    >>> parties_of("Meta Platforms, Inc.")
    ('Meta Platforms, Inc.',)
    >>> parties_of(None)
    ('author',)
    """
    return origins_of(tuple(parties) if parties else asserted_by, source_label="author")


def _facet(counts: Counter[str], labels: dict[str, str]) -> list[dict[str, Any]]:
    rows = [{"value": value, "label": labels.get(value, value), "count": n} for value, n in counts.items()]
    return sorted(rows, key=lambda r: (-r["count"], str(r["label"]).lower()))


FACET_LIMIT = 50  # values per facet: the most frequent, and the one in use
FACETS = ("status", "subject", "metric", "source", "asserted_by")
_CLAIM_FACETS = {"status": "status", "subject": "subject_id", "metric": "metric"}


def claim_facets(
    session: Session, *, ids: Any, facets: Collection[str] = FACETS, current: dict[str, str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """How many of the claims ``ids`` selects (a SELECT of claim ids; None: every claim) fall under each
    value of each of ``facets`` (status, subject, metric, source, asserted_by): the ``FACET_LIMIT`` most
    frequent values, most first, and the value ``current`` names for the facet. Counted in the database;
    sources and asserters count distinct claims among accepted evidence. A claim asserted under two
    spellings of one joint asserter ("A and B", "A") counts once per spelling."""
    current = current or {}
    claim_filter: list[Any] = [] if ids is None else [col(Claim.id).in_(ids)]
    evidence_filter: list[Any] = [Evidence.review == ACCEPTED]
    if ids is not None:
        evidence_filter.append(col(Evidence.claim_id).in_(ids))
    out: dict[str, list[dict[str, Any]]] = {}
    for name in facets:
        if name == "asserted_by":
            out[name] = _asserter_facet(session, evidence_filter, current.get(name))
            continue
        if name == "source":
            key, counted = col(Evidence.source_id), func.count(func.distinct(Evidence.claim_id))
            where = evidence_filter
        else:
            key, counted, where = col(getattr(Claim, _CLAIM_FACETS[name])), func.count(), claim_filter
        grouped = select(key, counted).where(*where).group_by(key)
        counts = dict(session.execute(grouped.order_by(counted.desc(), key).limit(FACET_LIMIT)).all())
        chosen = current.get(name)
        if chosen and chosen not in counts:
            counts.update(session.execute(grouped.where(key == chosen)).all())
        out[name] = _facet(Counter(counts), _facet_labels(session, name, counts))
    return out


def _facet_labels(session: Session, name: str, counts: dict[str, int]) -> dict[str, str]:
    if name == "subject":
        return {k: e.name for k, e in entity_names(session, ids=set(counts)).items()}
    if name == "metric":
        return {m: metric_label(m) for m in counts}
    if name == "source":
        titles = select(Source.id, Source.title).where(col(Source.id).in_(list(counts)))
        return dict(session.execute(titles).all())
    return {}


def _asserter_facet(session: Session, where: list[Any], chosen: str | None) -> list[dict[str, Any]]:
    """Claims per party: counted per asserter string in the database, then split into its parties."""
    counted = func.count(func.distinct(Evidence.claim_id))
    grouped = select(Evidence.asserted_by, counted).where(*where).group_by(col(Evidence.asserted_by))
    rows = cast("Iterable[tuple[str | None, int]]", session.execute(grouped))
    by_party: Counter[str] = Counter()
    for asserted_by, n in rows:
        for party in parties_of(asserted_by):
            by_party[party] += n
    top = dict(by_party.most_common(FACET_LIMIT))
    if chosen and chosen in by_party:
        top[chosen] = by_party[chosen]
    return _facet(Counter(top), {"author": "article authors"})


def evidence_in_source(
    session: Session, *, source_id: str, public: bool = False
) -> list[tuple[Evidence, Claim]]:
    """Every piece of evidence found in one source with its claim, in text order: in any review state, or
    when ``public`` only what anyone may see (accepted, and accepted once then retracted)."""
    query = (
        select(Evidence, Claim)
        .join(Claim, col(Claim.id) == col(Evidence.claim_id))
        .where(Evidence.source_id == source_id)
        .order_by(col(Evidence.start), col(Evidence.end), col(Evidence.id))
    )
    if public:
        query = query.where(col(Evidence.review).in_(ON_RECORD))
    return [(ev, claim) for ev, claim in session.exec(query)]


def party_index(session: Session) -> dict[str, tuple[str, str]]:
    """Folded name or alias -> (entity id, canonical name), to link asserters to entity pages."""
    index: dict[str, tuple[str, str]] = {}
    for entity in session.exec(select(Entity).order_by(col(Entity.id))):
        for name in (entity.name, *entity.aliases):
            index.setdefault(norm_name(name), (entity.id, entity.name))
    return index


def claims_asserted_by(session: Session, *, entity: Entity) -> list[tuple[Claim, Evidence]]:
    """Claims this entity asserts (accepted evidence naming it, by name or alias), with that evidence.

    The database narrows the evidence to rows whose asserter holds every word of one of the names (in
    any case), reading three columns; the names are then matched exactly, folded as ``norm_name`` folds
    them, and only the matches are loaded whole."""
    names = {norm_name(n) for n in (entity.name, *entity.aliases)}
    ev = Evidence.__table__.c  # type: ignore[attr-defined]
    query = sa_select(ev.id, ev.asserted_by, ev.parties).where(
        ev.review == ACCEPTED, ev.asserted_by != "author"
    )
    narrowed = _naming(ev.asserted_by, (entity.name, *entity.aliases))
    if narrowed is not None:
        query = query.where(narrowed)
    ids = [
        row.id
        for row in session.execute(query)
        if names & {norm_name(p) for p in parties_of(row.asserted_by, row.parties)}
    ]
    pairs: list[tuple[Claim, Evidence]] = []
    for i in range(0, len(ids), _CHUNK):
        found = select(Evidence, Claim).join(Claim, col(Claim.id) == col(Evidence.claim_id))
        chunk = found.where(col(Evidence.id).in_(ids[i:i + _CHUNK]))
        pairs.extend((claim, e) for e, claim in session.exec(chunk))
    return sorted(pairs, key=lambda pair: (pair[0].metric, pair[0].id, pair[1].added_at, pair[1].id))


def _naming(column: Any, names: Iterable[str]) -> Any | None:
    """A condition true of every text that ``norm_name`` could fold to one of ``names``: it holds each of
    the name's words (case-insensitively). None when a name has no word the database can fold (not ASCII),
    as then nothing may be left out.

    >>> from sqlalchemy import column
    >>> print(_naming(column("a"), ["Alexandr Wang"]))
    lower(a) LIKE lower(:a_1) AND lower(a) LIKE lower(:a_2)
    >>> _naming(column("a"), ["Zoë"]) is None
    True
    """
    alternatives = []
    for name in names:
        words = re.findall(r"[A-Za-z0-9]+", name)
        if not words or "".join(words).lower() != norm_name(name):
            return None
        alternatives.append(and_(*(column.ilike(f"%{word}%") for word in words)))
    return or_(*alternatives) if alternatives else None


def claims_about(session: Session, *, entity_id: str) -> list[Claim]:
    """Claims whose subject is this entity, disputed first, then by metric."""
    query = select(Claim).where(Claim.subject_id == entity_id)
    order = (
        col(Claim.status) != "disputed",
        col(Claim.status) != "refuted",
        col(Claim.metric),
        col(Claim.value).nulls_first(),  # SQLite's default, spelled out for PostgreSQL
        col(Claim.id),
    )
    return list(session.exec(query.order_by(*order)).all())


def entities_with_counts(
    session: Session, *, limit: int | None = None, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """One page of the entities, most-discussed first (then by name), each with how many claims are about
    it; and how many entities there are. Counted, sorted and limited in SQL."""
    total = int(session.execute(sa_select(func.count()).select_from(Entity)).scalar_one())
    counted = (
        select(Claim.subject_id, func.count(col(Claim.id)).label("n"))
        .group_by(col(Claim.subject_id))
        .subquery()
    )
    claims = func.coalesce(counted.c.n, 0)
    query = (
        select(Entity, claims)
        .outerjoin(counted, counted.c.subject_id == Entity.id)
        .order_by(claims.desc(), func.lower(Entity.name), col(Entity.id))
        .offset(offset)
    )
    rows = session.exec(query if limit is None else query.limit(limit)).all()
    return [
        {
            "id": e.id,
            "name": e.name,
            "kind": e.kind,
            "parent_id": e.parent_id,
            "aliases": list(e.aliases),
            "claims": int(n),
        }
        for e, n in rows
    ], total


def _public_sources(include_superseded: bool) -> Any:
    """The sources anyone may read, as a SELECT of their list fields: every ingested document, and a
    source a person cited once evidence from it is accepted (held or rejected material stays private)."""
    table = Source.__table__.c  # type: ignore[attr-defined]
    ev = Evidence.__table__.c  # type: ignore[attr-defined]
    on_record = sa_select(ev.id).where(ev.source_id == table.id, ev.review.in_(ON_RECORD)).exists()
    query = sa_select(*(table[k] for k in _SOURCE_LIST_FIELDS)).where(
        (table.kind == "document") | on_record
    )  # everything but the (long) text
    return query if include_superseded else query.where(table.superseded_by.is_(None))


def _with_counts(session: Session, rows: Sequence[Any]) -> list[dict[str, Any]]:
    ids = [row.id for row in rows]
    counts: dict[str, int] = {}
    for i in range(0, len(ids), _CHUNK):
        counts.update(
            session.exec(
                select(Evidence.source_id, func.count(col(Evidence.id)))
                .where(col(Evidence.source_id).in_(ids[i:i + _CHUNK]), Evidence.review == ACCEPTED)
                .group_by(col(Evidence.source_id))
            ).all()
        )
    return [dict(row._mapping) | {"evidence": int(counts.get(row.id, 0))} for row in rows]


def sources_with_counts(
    session: Session,
    *,
    include_superseded: bool = False,
    q: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the public sources (live ones unless asked; with ``q``, those whose title or id holds
    it, in any case), documents first then by name, each with how much accepted evidence it holds; and how
    many there are in all. Sorted, limited and counted in SQL.
    """
    query = _public_sources(include_superseded)
    if q and q.strip():
        table = Source.__table__.c  # type: ignore[attr-defined]
        words = q.strip()
        query = query.where(
            table.title.icontains(words, autoescape=True) | table.id.istartswith(words, autoescape=True)
        )
    total = int(session.execute(sa_select(func.count()).select_from(query.subquery())).scalar_one())
    table = Source.__table__.c  # type: ignore[attr-defined]
    page = query.order_by(table.kind != "document", func.lower(table.name), table.id).offset(offset)
    rows = session.execute(page if limit is None else page.limit(limit)).all()
    return _with_counts(session, rows), total


def most_cited_sources(session: Session, *, limit: int) -> list[dict[str, Any]]:
    """The public live sources holding the most accepted evidence, most first (then by name)."""
    counted = (
        select(Evidence.source_id, func.count(col(Evidence.id)).label("n"))
        .where(Evidence.review == ACCEPTED)
        .group_by(col(Evidence.source_id))
        .subquery()
    )
    query = _public_sources(False).add_columns(func.coalesce(counted.c.n, 0).label("evidence"))
    table = Source.__table__.c  # type: ignore[attr-defined]
    query = query.outerjoin(counted, counted.c.source_id == table.id)
    rows = session.execute(
        query.order_by(func.coalesce(counted.c.n, 0).desc(), func.lower(table.name), table.id).limit(limit)
    ).all()
    return [dict(row._mapping) for row in rows]


def is_public_source(session: Session, *, source: Source) -> bool:
    """May anyone read this source? An ingested document, or a cited source with accepted evidence (or
    evidence accepted once and since retracted, which stays on record)."""
    if source.kind == "document":
        return True
    accepted = select(Evidence.id).where(
        Evidence.source_id == source.id, col(Evidence.review).in_(ON_RECORD)
    )
    return session.exec(accepted.limit(1)).first() is not None
