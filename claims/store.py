"""Store functions: keyword-only, session first, returning rows or None; one job each."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import column as sa_column
from sqlalchemy import delete, func, insert, literal_column, text
from sqlalchemy import select as sa_select
from sqlalchemy import table as sa_table
from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select

from claims.canonical import claim_id, entity_id, evidence_id, source_id, statement
from claims.db import insert_rows
from claims.migrate import STATUS_RANK_SQL
from claims.models import Claim, Entity, Evidence, PendingRefresh, Relation, Source, utcnow
from claims.quantities import bound_of
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
    "known_sources",
    "record_document",
    "record_documents",
    "claim_row",
    "evidence_of_claim",
    "list_claims",
    "claims_by_id",
    "list_sources",
    "add_submitted_source",
    "append_evidence",
    "reindex_search",
    "corpus_counts",
    "fit_rows",
    "insert_new",
    "mark_pending",
    "pending_claims",
    "clear_pending",
]

# SQLModel sets ``__table__`` on table models when the class is created, without a type, so each use
# of it below carries ``type: ignore[attr-defined]`` (as claims/queries.py does).


@dataclass
class DocumentResult:
    """What recording one document changed."""

    source_id: str
    created: bool
    evidence_added: int = 0
    claims_touched: set[str] = field(default_factory=set)
    superseded: str | None = None


def ensure_entity(
    session: Session,
    *,
    name: str,
    kind: str = "other",
    parent: str | None = None,
    aliases: Sequence[str] = (),
) -> Entity:
    """The entity with this canonical name, created if missing (existing rows are left as they are)."""
    found = session.get(Entity, entity_id(name))
    if found is not None:
        return found
    entity = Entity(
        id=entity_id(name),
        name=name,
        kind=kind,
        parent_id=entity_id(parent) if parent else None,
        aliases=list(aliases),
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


def known_sources(session: Session, ids: Iterable[str]) -> set[str]:
    """Which of these source ids are stored already."""
    return _existing(session, Source.__table__.c.id, ids)  # type: ignore[attr-defined]


def current_source_named(session: Session, *, name: str) -> Source | None:
    """The live (not superseded) document ingested under this file name, or None."""
    query = select(Source).where(
        Source.name == name, col(Source.superseded_by).is_(None), Source.kind == "document"
    )
    return session.exec(query).first()


def claim_row(mention: Mention, *, now: datetime | None = None) -> dict[str, Any]:
    """The canonical claim a mention supports, as a row to insert (``now``: its time, else the clock's)."""
    q = mention.quantity
    bound = bound_of(q.qualifier)
    return {
        "id": claim_id(
            subject=mention.subject,
            metric=mention.metric,
            scope=mention.scope,
            quantity=q,
            value_text=mention.value_text,
        ),
        "subject_id": entity_id(mention.subject),
        "metric": mention.metric,
        "scope": mention.scope,
        "unit": q.unit,
        "value": q.value,
        "value_max": q.value_max,
        "precision": q.precision,
        "order": q.order,
        "note": q.note,
        # Bounds change the proposition; an approximate mention makes the claim approximate.
        "qualifier": q.qualifier if bound in ("lower", "upper") else "about" if bound == "approx" else None,
        "value_text": mention.value_text or q.text or "",
        "statement": statement(
            subject=mention.subject,
            metric=mention.metric,
            scope=mention.scope,
            quantity=q,
            value_text=mention.value_text,
        ),
        "status": "unverified",
        "reasons": [],
        "updated_at": now or utcnow(),
    }


def _evidence_row(source_id_: str, claim: str, mention: Mention, *, now: datetime) -> dict[str, Any]:
    q = mention.quantity
    return {
        "id": evidence_id(source=source_id_, start=mention.start, end=mention.end, claim=claim),
        "claim_id": claim,
        "source_id": source_id_,
        "start": mention.start,
        "end": mention.end,
        "quote": mention.quote,
        "value_start": mention.value_start,
        "value_end": mention.value_end,
        "value_text": mention.value_text,
        "value": q.value,
        "value_max": q.value_max,
        "qualifier": q.qualifier,
        "hedge": mention.hedge,
        "asserted_by": mention.asserted_by,
        "parties": mention.party_list,
        "stance": mention.stance,
        "hypothetical": mention.hypothetical,
        "origin": "extracted",
        "added_by": None,
        "added_at": now,
        "note": mention.note,
        "review": "accepted",
        "confidence": mention.confidence,
    }


@cache
def _string_limits(table_: Any) -> dict[str, int]:
    # String(n), or SQLModel's AutoString over it
    lengths = {c.name: getattr(c.type, "length", None) for c in table_.columns}
    return {name: n for name, n in lengths.items() if isinstance(n, int)}


def fit_rows(table_: Any, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with every string cut to its column's length: PostgreSQL enforces VARCHAR(n), SQLite does not,
    and text taken from documents (titles, names, phrases) has no natural bound.

    >>> fit_rows(Source.__table__, [{"published": "2025-01-27T10:00", "text": "x" * 20}])[0]["published"]
    '2025-01-27'
    """
    limits = list(_string_limits(table_).items())
    out = []
    for row in rows:
        over = [(k, n) for k, n in limits if isinstance(row.get(k), str) and len(row[k]) > n]
        out.append(row | {k: row[k][:n] for k, n in over} if over else row)
    return out


def _existing(session: Session, column: Any, keys: Iterable[str]) -> set[str]:
    wanted = sorted(set(keys))
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        found.update(session.execute(sa_select(column).where(column.in_(wanted[i : i + 500]))).scalars())
    return found


def insert_new(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT rows cut to their columns' lengths, leaving those whose primary key is stored as they are."""
    insert_rows(session, table, fit_rows(table, rows), skip_existing=True)


def _ensure_entities(session: Session, names: Iterable[str], vocabulary: Vocabulary) -> None:
    wanted = {entity_id(n): n for n in names}
    rows = []
    for eid in sorted(wanted):
        spec = vocabulary.entities.get(wanted[eid])
        rows.append(
            {
                "id": eid,
                "name": wanted[eid],
                "kind": spec.kind if spec else "other",
                "parent_id": entity_id(spec.parent) if spec and spec.parent else None,
                "aliases": list(spec.aliases) if spec else [],
            }
        )
    insert_new(session, Entity.__table__, rows)  # type: ignore[attr-defined]


def _store_mentions(
    session: Session, *, documents: Sequence[tuple[str, Sequence[Mention]]], vocabulary: Vocabulary
) -> list[tuple[int, set[str]]]:
    """Insert the claims and evidence of documents just stored (source id, mentions), in a few statements for
    all of them; return (evidence added, claims touched) for each.

    Evidence ids derive from the source id, so a new source has no evidence stored yet: nothing to look up.
    """
    _ensure_entities(session, {m.subject for _, mentions in documents for m in mentions}, vocabulary)
    claims: dict[str, dict[str, Any]] = {}
    new_evidence: list[dict[str, Any]] = []
    out: list[tuple[int, set[str]]] = []
    now = utcnow()
    for sid, mentions in documents:
        evidence: dict[str, dict[str, Any]] = {}
        for mention in mentions:
            row = claim_row(mention, now=now)
            claims.setdefault(row["id"], row)
            if row["qualifier"] == "about":
                claims[row["id"]]["qualifier"] = "about"
            ev = _evidence_row(sid, row["id"], mention, now=now)
            evidence.setdefault(ev["id"], ev)
        new_evidence.extend(evidence.values())
        out.append((len(evidence), {row["claim_id"] for row in evidence.values()}))
    table = Claim.__table__  # type: ignore[attr-defined]
    insert_new(session, table, list(claims.values()))
    widen = [cid for cid, row in claims.items() if row["qualifier"] == "about"]
    for i in range(0, len(widen), 500):
        session.execute(
            sa_update(table)
            .where(table.c.id.in_(widen[i : i + 500]), table.c.qualifier.is_(None))
            .values(qualifier="about")
        )
    table = Evidence.__table__  # type: ignore[attr-defined]
    insert_rows(session, table, fit_rows(table, new_evidence))
    return out


def _supersede(session: Session, *, old: Source, new_id: str) -> set[str]:
    """Mark the old version superseded; return the claims whose extracted evidence stopped counting."""
    old.superseded_by = new_id
    session.add(old)
    ev = Evidence.__table__  # type: ignore[attr-defined]
    retired = ev.c.source_id == old.id, ev.c.origin == "extracted"
    claims: set[str] = set(session.execute(sa_select(ev.c.claim_id).where(*retired)).scalars())
    session.execute(sa_update(ev).where(*retired).values(review="superseded"))
    return claims


def _source_row(document: Document, sid: str) -> dict[str, Any]:
    return {
        "id": sid,
        "name": document.name,
        "title": document.title,
        "author": document.author,
        "published": document.published,
        "origin": document.origin,
        "url": document.url,
        "sha256": document.sha256,
        "text": document.text,
        "kind": "document",
        "added_by": None,
        "created_at": utcnow(),
        "superseded_by": None,
    }


def _live_names(session: Session, names: Iterable[str]) -> set[str]:
    """Which of these file names a live (not superseded) document is stored under."""
    sources = Source.__table__.c  # type: ignore[attr-defined]
    wanted, found = sorted(set(names)), set[str]()
    for i in range(0, len(wanted), 500):
        found.update(session.execute(
            sa_select(sources.name).where(
                sources.name.in_(wanted[i : i + 500]), sources.superseded_by.is_(None),
                sources.kind == "document",
            )
        ).scalars())
    return found


def record_documents(
    session: Session, *, documents: Sequence[tuple[Document, Sequence[Mention]]], vocabulary: Vocabulary
) -> list[DocumentResult]:
    """Store documents and their mentions, in order: the same rows as ``record_document`` for each in turn,
    written by a few statements for all the new ones (an ingest batch).

    A text already stored (or met earlier in the batch) changes nothing. A document whose name is already
    taken, by a stored document or by another of the batch, may supersede one: those go one at a time
    through ``record_document``, after the rest, in their order (only same-named documents affect each other).
    """
    sids = [source_id(document.sha256) for document, _ in documents]
    known = _existing(session, Source.__table__.c.id, sids)  # type: ignore[attr-defined]
    names = [document.name for document, _ in documents]
    shared = _live_names(session, names) | {n for n, count in Counter(names).items() if count > 1}
    results: list[DocumentResult | None] = [None] * len(documents)
    bulk: list[int] = []
    for i, (document, _) in enumerate(documents):
        if document.name in shared:
            continue
        if sids[i] in known:
            results[i] = DocumentResult(source_id=sids[i], created=False)
        else:
            known.add(sids[i])
            bulk.append(i)
    if bulk:
        session.execute(
            insert(Source.__table__),  # type: ignore[attr-defined]
            fit_rows(Source.__table__, [_source_row(documents[i][0], sids[i]) for i in bulk]),  # type: ignore[attr-defined]
        )
        stored = _store_mentions(
            session, documents=[(sids[i], list(documents[i][1])) for i in bulk], vocabulary=vocabulary
        )
        for i, (added, touched) in zip(bulk, stored, strict=True):
            results[i] = DocumentResult(source_id=sids[i], created=True, evidence_added=added,
                                        claims_touched=touched)
    for i, (document, mentions) in enumerate(documents):
        if results[i] is None:
            results[i] = record_document(session, document=document, mentions=mentions, vocabulary=vocabulary)
    return [r for r in results if r is not None]


def record_document(
    session: Session, *, document: Document, mentions: Iterable[Mention], vocabulary: Vocabulary
) -> DocumentResult:
    """Store a document and its mentions; a text already stored changes nothing.

    A changed file under a known name becomes a new source; the old one is kept, marked
    superseded, and its extracted evidence stops counting (evidence people added stays).
    """
    sid = source_id(document.sha256)
    sources = Source.__table__.c  # type: ignore[attr-defined]
    if session.execute(sa_select(sources.id).where(sources.id == sid)).first() is not None:
        return DocumentResult(source_id=sid, created=False)
    # Only a file seen before under this name is loaded (a whole row: a text), most documents are new.
    earlier = session.execute(
        sa_select(sources.id).where(
            sources.name == document.name, sources.superseded_by.is_(None), sources.kind == "document"
        )
    ).first()
    previous = current_source_named(session, name=document.name) if earlier is not None else None
    session.execute(
        insert(Source.__table__),  # type: ignore[attr-defined]
        fit_rows(Source.__table__, [_source_row(document, sid)]),  # type: ignore[attr-defined]
    )
    result = DocumentResult(source_id=sid, created=True)
    retired: set[str] = set()
    if previous is not None:
        retired = _supersede(session, old=previous, new_id=sid)
        result.superseded = previous.id
    [(added, touched)] = _store_mentions(session, documents=[(sid, list(mentions))], vocabulary=vocabulary)
    # claims that lost evidence need their status recomputed as much as claims that gained some
    result.evidence_added, result.claims_touched = added, touched | retired
    return result


def evidence_of_claim(
    session: Session, *, claim_id: str, reviews: Sequence[str] = ("accepted",)
) -> list[Evidence]:
    """The claim's evidence in the given review states, oldest first."""
    query = (
        select(Evidence)
        .where(Evidence.claim_id == claim_id, col(Evidence.review).in_(list(reviews)))
        .order_by(col(Evidence.added_at), col(Evidence.source_id), col(Evidence.start), col(Evidence.id))
    )
    return list(session.exec(query).all())


def _fts_query(q: str) -> str:
    """The words of a search as an FTS5 query: each one quoted, so no operator syntax gets through.

    >>> _fts_query('cost AND (NEAR "$5.6M"')
    '"cost" "AND" "NEAR" "$5.6M"'
    """
    terms = re.findall(r"[\w$.%]+", q)
    return " ".join('"' + t.replace('"', "") + '"' for t in terms)


SEARCH = sa_table("claim_fts", sa_column("claim_id"), sa_column("body"))


def _apply_search(session: Session, query, q: str):  # type: ignore[no-untyped-def]
    """Claims whose indexed text holds every word of ``q`` (stemmed): FTS5 on SQLite, tsvector on
    PostgreSQL"""
    terms = _fts_query(q)
    if not terms:
        return query
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        ids = text("SELECT claim_id FROM claim_fts WHERE claim_fts MATCH :q").bindparams(q=terms)
        return query.where(col(Claim.id).in_(ids))
    if dialect == "postgresql":
        # the same expression as the GIN index, so the index answers it
        words = " ".join(re.findall(r"[\w$.%]+", q))
        matches = func.to_tsvector(text("'english'"), SEARCH.c.body).op("@@")(
            func.plainto_tsquery(text("'english'"), words)
        )
        return query.where(col(Claim.id).in_(sa_select(SEARCH.c.claim_id).where(matches)))
    return query.where(col(Claim.statement).ilike(f"%{q.strip()}%"))


def _filtered(
    status: str | None, subject: str | None, metric: str | None, source: str | None, asserted_by: str | None
) -> tuple[Any, Any]:
    """The ids of the claims matching the filters (a SELECT), and the evidence filter among them if any."""
    query = select(Claim.id)
    if status:
        query = query.where(Claim.status == status)
    if subject:
        query = query.where(Claim.subject_id == subject)
    if metric:
        query = query.where(Claim.metric == metric)
    evidence_filter: Any = None
    if source or asserted_by:
        ev = select(Evidence.claim_id).where(col(Evidence.review) == "accepted")
        if source:
            ev = ev.where(Evidence.source_id == source)
        if asserted_by:
            ev = ev.where(col(Evidence.asserted_by).icontains(asserted_by, autoescape=True))
        query = query.where(col(Claim.id).in_(ev))
        evidence_filter = ev
    return query, evidence_filter


def matching_claim_ids(
    session: Session,
    *,
    status: str | None = None,
    subject: str | None = None,
    metric: str | None = None,
    source: str | None = None,
    asserted_by: str | None = None,
    q: str | None = None,
) -> Any:
    """The ids of every claim matching the filters as one SELECT, for counting in the database; None when
    no filter is given (every claim)."""
    if not any((status, subject, metric, source, asserted_by, q)):
        return None
    query, _ = _filtered(status, subject, metric, source, asserted_by)
    return _apply_search(session, query, q) if q else query


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
    """One page of claims matching every given filter, disputed first, and the total count.

    The filters and the order run on claim ids alone (an index holds every column they need), then only
    the page's rows are read: claims carry long reasons, and a large table must not be scanned for them.
    """
    query, evidence_filter = _filtered(status, subject, metric, source, asserted_by)
    if q and session.get_bind().dialect.name == "sqlite" and _fts_query(q):
        ids, total = _search_sqlite(
            session,
            _fts_query(q),
            status=status,
            subject=subject,
            metric=metric,
            evidence=evidence_filter,
            page=page,
            per_page=per_page,
        )
        return claims_by_id(session, ids), total
    if q:
        query = _apply_search(session, query, q)
    order = (
        col(Claim.status) != "disputed",
        col(Claim.status) != "refuted",
        col(Claim.subject_id),
        col(Claim.metric),
        col(Claim.id),
    )
    page_of = query.order_by(*order).offset((page - 1) * per_page).limit(per_page)
    if q:  # a search runs once for the page and the total (a window count) instead of twice
        found = session.execute(page_of.add_columns(func.count().over())).all()
        ids = [row[0] for row in found]
        total = (
            found[0][1] if found else session.exec(select(func.count()).select_from(query.subquery())).one()
        )
    else:  # without one, the count and a top-N sort on the index are cheaper than a window over every row
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        ids = list(session.exec(page_of).all())
    return claims_by_id(session, ids), int(total)


def claims_by_id(session: Session, ids: list[str]) -> list[Claim]:
    """The claims with these ids, in the order given (missing ones left out), read 500 at a time."""
    rows: dict[str, Claim] = {}
    for i in range(0, len(ids), 500):
        rows.update((c.id, c) for c in session.exec(select(Claim).where(col(Claim.id).in_(ids[i : i + 500]))))
    return [rows[cid] for cid in ids if cid in rows]


# From this many matches on, a search pages through the keys' list-order index, testing each row against
# the set of matching FTS rowids (the first page is found after a few rows); below it, it sorts the matches.
ORDERED_SCAN_FROM = 1000
SEARCH_ROWS = sa_table("claim_fts", sa_column("rowid"))
SEARCH_KEYS = sa_table(
    "claim_fts_keys",
    *(sa_column(name) for name in ("fts_rowid", "claim_id", "status", "status_rank", "subject_id", "metric")),
)


def _search_sqlite(  # type: ignore[no-untyped-def]
    session: Session,
    terms: str,
    *,
    status: str | None,
    subject: str | None,
    metric: str | None,
    evidence,
    page: int,
    per_page: int,
) -> tuple[list[str], int]:
    """A search on SQLite: FTS5 rowids only (never the indexed bodies), then ``claim_fts_keys``, which
    holds each row's claim id and the columns the list filters and sorts on (revision 0005)."""

    def where(prefix: str) -> list[Any]:
        conditions = []
        for name, value in (("status", status), ("subject_id", subject), ("metric", metric)):
            if value:
                conditions.append(literal_column(prefix + name) == value)
        if evidence is not None:
            conditions.append(literal_column(prefix + "claim_id").in_(evidence))
        return conditions

    keys = SEARCH_KEYS.alias("k")
    match = text("claim_fts MATCH :q").bindparams(q=terms)
    matched = SEARCH_ROWS.join(keys, keys.c.fts_rowid == SEARCH_ROWS.c.rowid)
    counted = sa_select(func.count()).select_from(matched).where(match, *where("k."))
    total = int(session.execute(counted).scalar_one())
    order = [keys.c.status_rank, keys.c.subject_id, keys.c.metric, keys.c.claim_id]
    offset = (page - 1) * per_page
    if total == 0 or offset >= total:
        return [], total
    if total >= ORDERED_SCAN_FROM:
        # "+" keeps SQLite from probing the rowid key per match: it walks the list-order index instead
        rowids = text("SELECT rowid FROM claim_fts WHERE claim_fts MATCH :q").bindparams(q=terms)
        query = sa_select(keys.c.claim_id).where(literal_column("+k.fts_rowid").in_(rowids), *where("k."))
    else:
        query = sa_select(keys.c.claim_id).select_from(matched).where(match, *where("k."))
    ids = [row[0] for row in session.execute(query.order_by(*order).offset(offset).limit(per_page))]
    return ids, total


def list_sources(session: Session, *, include_superseded: bool = False) -> list[Source]:
    """Sources by name; superseded versions only when asked."""
    query = select(Source)
    if not include_superseded:
        query = query.where(col(Source.superseded_by).is_(None))
    return list(session.exec(query.order_by(col(Source.kind), col(Source.name), col(Source.id))).all())


def add_submitted_source(
    session: Session, *, title: str, url: str | None, quote: str, added_by: str | None
) -> Source:
    """A source a person cites: its text is the quoted passage, so the quote equals text[0:len]."""
    sha = sha256_of(f"{title}\n{url or ''}\n{quote}")
    sid = source_id(sha)
    found = session.get(Source, sid)
    if found is not None:
        return found
    source = Source(
        id=sid,
        name=title,
        title=title,
        origin=url or "submitted",
        url=url,
        sha256=sha_of_text(quote),
        text=quote,
        kind="submitted",
        added_by=added_by,
    )
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


def fts_rowid(claim_id_: str) -> int:
    """The full-text row of a claim: a stable 60-bit number, so one claim's row is found without a scan."""
    return int(hashlib.sha1(claim_id_.encode()).hexdigest()[:15], 16)


def _search_bodies(session: Session, chunk: Sequence[str], entities: dict[str, Any]) -> dict[str, str]:
    """The indexed text of each claim: statement, metric, value, subject and aliases, quotes, asserters."""
    c, e = Claim.__table__.c, Evidence.__table__.c  # type: ignore[attr-defined]
    parts: dict[str, list[str]] = {}
    # Core selects over untyped table columns: the column types are those of Claim and Evidence.
    claim_rows = session.execute(
        sa_select(c.id, c.statement, c.metric, c.value_text, c.subject_id).where(c.id.in_(chunk))
    )
    for cid, stmt, metric, value_text, subject_id in cast(
        "Iterable[tuple[str, str, str, str, str]]", claim_rows
    ):
        subject = entities.get(subject_id)
        parts[cid] = [
            stmt,
            metric.replace("_", " "),
            value_text,
            subject.name if subject else "",
            " ".join(subject.aliases or []) if subject else "",
        ]
    evidence_rows = session.execute(
        sa_select(e.claim_id, e.quote, e.asserted_by).where(e.claim_id.in_(chunk), e.review == "accepted")
    )
    for cid, quote, asserted_by in cast("Iterable[tuple[str, str, str]]", evidence_rows):
        parts[cid].extend((quote, asserted_by))
    return {cid: " ".join(p) for cid, p in parts.items()}


_INSERT_KEYS = (
    "INSERT INTO claim_fts_keys (fts_rowid, claim_id, status, status_rank, subject_id, metric) "
    f"SELECT :r, id, status, {STATUS_RANK_SQL.format('')}, subject_id, metric FROM claim WHERE id = :c"
)


def reindex_search(session: Session, *, claim_ids: Iterable[str]) -> int:
    """Refresh the full-text index rows of these claims (SQLite FTS5 or PostgreSQL); return how many."""
    ids = sorted(set(claim_ids))
    dialect = session.get_bind().dialect.name
    if not ids or dialect not in ("sqlite", "postgresql"):
        return 0
    entities = {
        row.id: row for row in session.execute(sa_select(Entity.__table__))  # type: ignore[attr-defined]
    }
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        bodies = _search_bodies(session, chunk, entities)
        if dialect == "sqlite":
            session.execute(
                text("DELETE FROM claim_fts WHERE rowid = :r"), [{"r": fts_rowid(cid)} for cid in chunk]
            )
            session.execute(
                text("DELETE FROM claim_fts_keys WHERE fts_rowid = :r"),
                [{"r": fts_rowid(cid)} for cid in chunk],
            )
            if bodies:
                session.execute(
                    text("INSERT INTO claim_fts (rowid, claim_id, body) VALUES (:r, :c, :b)"),
                    [{"r": fts_rowid(cid), "c": cid, "b": body} for cid, body in bodies.items()],
                )
                session.execute(text(_INSERT_KEYS), [{"r": fts_rowid(cid), "c": cid} for cid in bodies])
        else:
            session.execute(delete(SEARCH).where(SEARCH.c.claim_id.in_(chunk)))
            if bodies:
                session.execute(
                    insert(SEARCH), [{"claim_id": cid, "body": body} for cid, body in bodies.items()]
                )
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


def _pending_table() -> Any:
    return PendingRefresh.metadata.tables[PendingRefresh.__tablename__]


def mark_pending(session: Session, *, claim_ids: Iterable[str]) -> None:
    """Record that these claims await a refresh (in the transaction that gave them new evidence)."""
    table = _pending_table()
    wanted = sorted(set(claim_ids))
    if not wanted:
        return
    # one statement: claims already pending stay as they are
    insert_rows(session, table, [{"claim_id": cid} for cid in wanted], skip_existing=True)


def pending_claims(session: Session) -> set[str]:
    """Claims whose refresh an earlier, interrupted run left undone."""
    return set(session.execute(sa_select(_pending_table().c.claim_id)).scalars())


def clear_pending(session: Session, *, claim_ids: Iterable[str]) -> None:
    """Forget these claims' pending refresh (in the transaction that recomputed them)."""
    table = _pending_table()
    ids = sorted(set(claim_ids))
    for i in range(0, len(ids), 500):
        session.execute(table.delete().where(table.c.claim_id.in_(ids[i : i + 500])))
