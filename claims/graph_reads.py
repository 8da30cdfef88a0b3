"""Parts of the claims graph read from the database: what a request shows, never the whole graph.

A part is a set of claims; its graph (``claims_graph``) holds them, their subjects, the live sources and the
named asserters of their accepted evidence, and the relations among them, built by ``claims.graph``. The
sets come from indexed queries: the claims a node touches, the claims within some steps of those over claim
relations, and the most linked claims, ranked by the database.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any, cast

import networkx as nx
from sqlalchemy import func, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from claims.errors import NotFound
from claims.graph import build_graph
from claims.models import Claim, Entity, Evidence, Relation, Source, as_dict
from claims.queries import ACCEPTED, claims_asserted_by, is_public_source

__all__ = ["claims_graph", "claims_at", "within", "most_linked", "contradicted"]

_CHUNK = 1000
_R = Relation.__table__.c  # type: ignore[attr-defined]
_E = Evidence.__table__.c  # type: ignore[attr-defined]


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


def claims_at(session: Session, node: str) -> set[str]:
    """The claims one node touches: a claim itself, the claims a source holds accepted evidence for, the
    claims about an entity or asserted by it. NotFound for a node that does not exist (or is private)."""
    kind, _, key = node.partition(":")
    if kind == "claim" and session.get(Claim, key) is not None:
        return {key}
    if kind == "source":
        source = session.get(Source, key)
        if source is not None and is_public_source(session, source=source):
            held = select(Evidence.claim_id).where(Evidence.source_id == key, Evidence.review == ACCEPTED)
            return set(session.exec(held))
    if kind == "entity":
        entity = session.get(Entity, key)
        if entity is not None:
            about = set(session.exec(select(Claim.id).where(Claim.subject_id == key)))
            return about | {claim.id for claim, _ in claims_asserted_by(session, entity=entity)}
    raise NotFound(f"no node {node!r} in the graph")


def within(session: Session, claims: set[str], steps: int) -> set[str]:
    """The claims at most ``steps`` relations away from ``claims`` (relations never leave a subject's
    family and metric, so this stays among a few groups)."""
    reached, frontier = set(claims), set(claims)
    for _ in range(steps):
        found: set[str] = set()
        for chunk in _chunks(sorted(frontier)):
            pairs = session.execute(
                sa_select(_R.claim_a, _R.claim_b).where(_R.claim_a.in_(chunk) | _R.claim_b.in_(chunk))
            )
            found.update(end for pair in cast("Iterable[tuple[str, str]]", pairs) for end in pair)
        frontier = found - reached
        if not frontier:
            break
        reached |= frontier
    return reached


def _ends(kind: str | None) -> Any:
    """Each relation's two claims as one column ``claim`` (every relation, or those of one kind)."""
    a = sa_select(_R.claim_a.label("claim"))
    b = sa_select(_R.claim_b.label("claim"))
    if kind is not None:
        a, b = a.where(_R.kind == kind), b.where(_R.kind == kind)
    return union_all(a, b).subquery()


def contradicted(session: Session, among: Collection[str]) -> set[str]:
    """Those of ``among`` at either end of a contradiction."""
    found: set[str] = set()
    for chunk in _chunks(sorted(among)):
        links = sa_select(_R.claim_a, _R.claim_b).where(
            _R.kind == "contradicts", _R.claim_a.in_(chunk) | _R.claim_b.in_(chunk)
        )
        found.update(end for pair in session.execute(links) for end in pair)
    return found & set(among)


def most_linked(
    session: Session, limit: int, *, among: Collection[str] | None = None, kind: str | None = None
) -> list[str]:
    """The ``limit`` claims with the most relations (of ``kind``, or any) and accepted evidence, most first
    then by id: among the given claims, or over the whole database by its relations' index."""
    if among is None:
        ends = _ends(kind)
        links = func.count().label("links")
        top = sa_select(ends.c.claim, links).group_by(ends.c.claim).order_by(links.desc(), ends.c.claim)
        top = top.limit(limit)
        ranked = [row[0] for row in session.execute(top)]
        if kind is None and len(ranked) < limit:  # claims without any relation come after, by id
            rest = select(Claim.id).where(col(Claim.id).not_in(ranked)).order_by(col(Claim.id))
            ranked += list(session.exec(rest.limit(limit - len(ranked))))
        return ranked
    degree = dict.fromkeys(among, 0)
    ids = sorted(degree)
    for chunk in _chunks(ids):
        ends = _ends(kind)
        linked = sa_select(ends.c.claim, func.count()).where(ends.c.claim.in_(chunk)).group_by(ends.c.claim)
        counts = list(session.execute(linked))
        if kind is None:
            held = sa_select(_E.claim_id, func.count()).where(_E.claim_id.in_(chunk), _E.review == ACCEPTED)
            counts += session.execute(held.group_by(_E.claim_id))
        for claim, n in cast("list[tuple[str, int]]", counts):
            degree[claim] += n
    return sorted(ids, key=lambda c: (-degree[c], c))[:limit]


def claims_graph(session: Session, claims: Collection[str]) -> nx.MultiDiGraph[str]:
    """The graph of these claims: each with its subject, the live sources and named asserters of its
    accepted evidence, and the relations among them."""
    ids = sorted(set(claims))
    chosen = set(ids)
    rows = [
        as_dict(c)
        for chunk in _chunks(ids)
        for c in session.exec(select(Claim).where(col(Claim.id).in_(chunk)))
    ]
    evidence = [
        as_dict(e)
        for chunk in _chunks(ids)
        for e in session.exec(
            select(Evidence).where(col(Evidence.claim_id).in_(chunk), Evidence.review == ACCEPTED)
        )
    ]
    sources = _rows_by_id(session, Source, {e["source_id"] for e in evidence}, live=True)
    live = {s["id"] for s in sources}
    evidence = [e for e in evidence if e["source_id"] in live]
    named = {p for e in evidence for p in (e.get("parties") or [e.get("asserted_by") or ""])}
    entities = _rows_by_id(session, Entity, {c["subject_id"] for c in rows})
    have = {x["id"] for x in entities}
    asserters = session.exec(select(Entity).where(col(Entity.name).in_(sorted(named))))
    entities += [as_dict(e) for e in asserters if e.id not in have]
    relations = [
        as_dict(r)
        for chunk in _chunks(ids)
        for r in session.exec(select(Relation).where(col(Relation.claim_a).in_(chunk)))
        if r.claim_b in chosen
    ]
    return build_graph(
        claims=rows, entities=entities, sources=sources, evidence=evidence, relations=relations
    )


def _rows_by_id(
    session: Session, model: Any, ids: Iterable[str], *, live: bool = False
) -> list[dict[str, Any]]:
    out = []
    for chunk in _chunks(sorted(ids)):
        query = select(model).where(col(model.id).in_(chunk))
        if live:
            query = query.where(col(model.superseded_by).is_(None))
        out += [{k: v for k, v in as_dict(row).items() if k != "text"} for row in session.exec(query)]
    return out
