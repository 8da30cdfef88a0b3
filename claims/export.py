"""Exports: mentions (JSON lines), the graph (GraphML, GEXF, node-link JSON), a claims CSV, ClaimReview and
Web Annotation JSON-LD; the CLI writes them and the API streams the same text."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import defaultdict
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any, TextIO

import networkx as nx
from sqlalchemy import String, distinct, func, type_coerce, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from claims.annotations import ANNO_CONTEXT, evidence_annotation
from claims.claimreview import SCHEMA_CONTEXT, claim_review
from claims.errors import InvalidInput
from claims.graph import build_graph, scalar_attributes
from claims.models import Claim, Entity, Evidence, Relation, Source, as_dict
from claims.queries import parties_of

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "FILE_NAMES",
    "DEFAULT_BASE_URL",
    "mention_rows",
    "graph_of",
    "export_chunks",
    "write_export",
    "contradiction_map",
]

FORMATS = ("mentions", "json", "graphml", "gexf", "csv", "claimreview", "annotations")
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
MEDIA_TYPES = {
    "mentions": "application/x-ndjson",
    "json": "application/json",
    "graphml": "application/xml",
    "gexf": "application/xml",
    "csv": "text/csv; charset=utf-8",
    "claimreview": "application/ld+json",
    "annotations": 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
}
FILE_NAMES = {
    "mentions": "claims-mentions.jsonl",
    "json": "claims-graph.json",
    "graphml": "claims-graph.graphml",
    "gexf": "claims-graph.gexf",
    "csv": "claims.csv",
    "claimreview": "claims-claimreview.jsonld",
    "annotations": "claims-annotations.jsonld",
}


# Rows are read in batches of this many (a server-side cursor on PostgreSQL), written as they are made.
BATCH = 2000
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False), made once
_CACHE_KIB = -65536  # SQLite page cache while exporting: 64 MB (negative: KiB)
_SEP = "\x1f"  # between claim ids aggregated in SQL (the ASCII unit separator: never in an id)
_IN_CHUNK = 500  # ids per IN (...) list


def _chunked(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), _IN_CHUNK):
        yield items[i:i + _IN_CHUNK]


def contradiction_map(session: Session, claim_ids: Iterable[str] | None = None) -> dict[str, list[str]]:
    """For each claim (of ``claim_ids``, or every claim), the claims it contradicts (sorted)."""
    out: dict[str, set[str]] = defaultdict(set)
    kind = col(Relation.kind) == "contradicts"
    pairs = select(Relation.claim_a, Relation.claim_b)
    if claim_ids is None:
        queries = [pairs.where(kind)]
    else:
        wanted = sorted(set(claim_ids))
        queries = [q for chunk in _chunked(wanted) for q in (
            pairs.where(kind, col(Relation.claim_a).in_(chunk)),
            pairs.where(kind, col(Relation.claim_b).in_(chunk)))]
    for query in queries:
        for a, b in session.exec(query):
            out[a].add(b)
            out[b].add(a)
    if claim_ids is not None:
        return {k: sorted(out[k]) for k in wanted if k in out}
    return {k: sorted(v) for k, v in out.items()}


def _streamed(session: Session, query: Any, batch: int = BATCH) -> Iterator[Any]:
    """Rows of a Core select, fetched ``batch`` at a time (a server-side cursor where the driver has one)."""
    yield from session.execute(query.execution_options(yield_per=batch))


@contextmanager
def _read_snapshot(session: Session) -> Iterator[None]:
    """Make the queries of one export read one snapshot, and read it without a memory map.

    On SQLite: a deferred BEGIN (pysqlite opens no transaction for reads, so each query would see the latest
    commit), and ``mmap_size`` 0 for the export's length (every page of a whole-database read would stay
    mapped into the process: resident memory the size of the file) with a page cache of a fixed 64 MB
    instead (the grouped contradictions and the sorts stay in memory), both restored after. Other dialects
    run in the session's own transaction."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    mapped = connection.exec_driver_sql("PRAGMA mmap_size").scalar()
    cached = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql("PRAGMA mmap_size=0")
    connection.exec_driver_sql(f"PRAGMA cache_size={_CACHE_KIB}")
    raw = connection.connection.driver_connection
    if raw is not None and not getattr(raw, "in_transaction", True):
        connection.exec_driver_sql("BEGIN")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA mmap_size={int(mapped or 0)}")
        connection.exec_driver_sql(f"PRAGMA cache_size={int(cached or -2000)}")


def _mention_query_rows(session: Session) -> Iterator[Any]:
    E, C, S = _cols(Evidence), _cols(Claim), _cols(Source)
    entity = _cols(Entity)
    contradicting = _contradicting()
    query = (
        sa_select(
            E.id, E.start, E.end, E.quote, E.value_text, E.value, E.value_max, E.qualifier, E.hedge,
            E.asserted_by, type_coerce(E.parties, String), E.stance, E.confidence, E.hypothetical, E.note,
            S.name, C.id, C.unit, C.subject_id, C.metric, C.scope, C.status, entity.name, contradicting.c.ids,
        )
        .select_from(
            Evidence.__table__.join(Source.__table__, S.id == E.source_id)  # type: ignore[attr-defined]
            .join(Claim.__table__, C.id == E.claim_id)  # type: ignore[attr-defined]
            .outerjoin(Entity.__table__, entity.id == C.subject_id)  # type: ignore[attr-defined]
            .outerjoin(contradicting, contradicting.c.claim_id == C.id)
        )
        .where(E.origin == "extracted", E.review == "accepted", S.superseded_by.is_(None))
        # NULLs first as SQLite puts them, on PostgreSQL too; the id settles the rest
        .order_by(S.name, E.start, E.value_start.nulls_first(), E.id)
    )
    return _streamed(session, query)


def mention_rows(session: Session) -> Iterator[dict[str, Any]]:
    """One row per extracted piece of evidence of a live source, in source and text order.

    Streamed: evidence joined with its claim, its subject's name, its source and the claims it contradicts
    (grouped in the database), read a batch at a time."""
    yield from _mentions_of(_mention_query_rows(session))


_MENTION_LINE = (
    '{"source": %s, "start": %s, "end": %s, "quote": %s, "value_text": %s, "value": %s, "value_max": %s, '
    '"unit": %s, "qualifier": %s, %s, "asserted_by": %s, %s, "confidence": %s, "hypothetical": %s, %s, '
    '"evidence_id": %s, "note": %s}'
)


def _mention_lines(rows: Iterable[Any]) -> Iterator[str]:
    """``json.dumps(row, ensure_ascii=False)`` of each of ``_mentions_of(rows)``, made without the dict:
    the values are encoded one by one into the line's fixed keys, those that many rows share (a claim's,
    a source's, a party's) memoized."""
    j, cj = _json_value, _json_cached
    for (eid, start, end, quote, value_text, value, value_max, qualifier, hedge, asserted_by, parties, stance,
         confidence, hypothetical, note, source_name, claim_id, unit, subject_id, metric, scope, status,
         subject_name, contradicting) in rows:
        yield _MENTION_LINE % (
            cj(source_name), j(start), j(end), j(quote), cj(value_text), j(value), j(value_max), cj(unit),
            cj(qualifier if qualifier and qualifier != "only" else hedge),
            _subject_part(subject_id if subject_name is None else subject_name, metric, scope),
            _parties_json(asserted_by, _hashable(parties)), _stance_part(stance, hedge),
            "1.0" if confidence is None else j(confidence), j(hypothetical),
            _claim_part(claim_id, status, contradicting), j(eid), j(note),
        )


@lru_cache(maxsize=8192)
def _subject_part(subject: Any, metric: Any, scope: Any) -> str:
    j = _json_value
    return f'"subject": {j(subject)}, "metric": {j(metric)}, "scope": {j(scope)}'


@lru_cache(maxsize=64)
def _stance_part(stance: Any, hedge: Any) -> str:
    return f'"stance": {_json_value(stance)}, "hedge": {_json_value(hedge)}'


@lru_cache(maxsize=8192)
def _claim_part(claim_id: Any, status: Any, contradicting: str | None) -> str:
    contradicts = _ENCODE(list(_claim_ids(contradicting))) if contradicting else "[]"
    j = _json_value
    return f'"claim_id": {j(claim_id)}, "status": {j(status)}, "contradicts": {contradicts}'


def _json_value(value: Any) -> str:
    """One value as ``json.dumps(value, ensure_ascii=False)`` writes it.

    >>> [_json_value(v) for v in ("é\\n", None, True, 3, 2.5, float("inf"), ["a"])]
    ['"é\\\\n"', 'null', 'true', '3', '2.5', 'Infinity', '["a"]']
    """
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is int or kind is float:
        return _ENCODE(value) if value != value or value in (_INF, -_INF) else repr(value)
    return _ENCODE(value)


_json_cached = lru_cache(maxsize=8192)(_json_value)  # for the values many rows share
_INF = float("inf")


def _hashable(parties: Any) -> Any:
    """Stored parties as a memo key: JSON text (SQLite) as it is, a decoded list (PostgreSQL) as a tuple."""
    return parties if parties is None or isinstance(parties, str) else tuple(parties)


@lru_cache(maxsize=8192)
def _parties_json(asserted_by: str | None, parties: Any) -> str:
    return _ENCODE(list(_parties(asserted_by, parties)))


def _mentions_of(rows: Iterable[Any]) -> Iterator[dict[str, Any]]:
    for (eid, start, end, quote, value_text, value, value_max, qualifier, hedge, asserted_by, parties, stance,
         confidence, hypothetical, note, source_name, claim_id, unit, subject_id, metric, scope, status,
         subject_name, contradicting) in rows:
        yield {
            "source": source_name,
            "start": start,
            "end": end,
            "quote": quote,
            "value_text": value_text,
            "value": value,
            "value_max": value_max,
            "unit": unit,
            "qualifier": qualifier if qualifier and qualifier != "only" else hedge,
            "subject": subject_id if subject_name is None else subject_name,
            "metric": metric,
            "scope": scope,
            # one entry per party, as stored (never split from the joined text)
            "asserted_by": list(_parties(asserted_by, _hashable(parties))),
            "stance": stance,
            "hedge": hedge,
            "confidence": 1.0 if confidence is None else confidence,
            "hypothetical": hypothetical,
            "claim_id": claim_id,
            "status": status,
            "contradicts": list(_claim_ids(contradicting)) if contradicting else [],
            "evidence_id": eid,
            "note": note,
        }


@lru_cache(maxsize=8192)
def _claim_ids(joined: str) -> tuple[str, ...]:
    """Claim ids aggregated in SQL, sorted, each once; memoized (bounded): a claim's evidence comes often."""
    return tuple(sorted(set(joined.split(_SEP))))


@lru_cache(maxsize=8192)
def _parties(asserted_by: str | None, parties: Any) -> tuple[str, ...]:
    """``parties_of`` a piece of evidence whose stored list comes as JSON text (SQLite) or as a list;
    memoized (bounded): the same few parties assert most evidence."""
    if isinstance(parties, str):
        parties = json.loads(parties)
    return parties_of(asserted_by, parties)


def _contradicting() -> Any:
    """Per claim, the ids of the claims it contradicts (either side of a relation) joined by ``_SEP``: one
    pass over the relations, grouped in the database (group_concat on SQLite, string_agg on PostgreSQL)."""
    R = _cols(Relation)
    kind = R.kind == "contradicts"
    pairs = union_all(
        sa_select(R.claim_a.label("claim_id"), R.claim_b.label("other")).where(kind),
        sa_select(R.claim_b.label("claim_id"), R.claim_a.label("other")).where(kind),
    ).subquery("pairs")
    return (
        sa_select(pairs.c.claim_id, func.aggregate_strings(pairs.c.other, _SEP).label("ids"))
        .group_by(pairs.c.claim_id)
        .subquery("contradicting")
    )


def _as_json(value: Any) -> Any:
    """A value as ``as_dict`` gives it: datetimes in ISO form, in UTC with a Z."""
    return value.replace(tzinfo=None).isoformat() + "Z" if isinstance(value, datetime) else value


def _cols(model: Any) -> Any:
    """A table model's columns, for Core selects (typed as the model declares them)."""
    return model.__table__.c


def graph_of(session: Session) -> nx.MultiDiGraph[str]:
    """The whole claims graph (live sources, accepted evidence)."""
    return build_graph(
        claims=[as_dict(c) for c in session.exec(select(Claim))],
        entities=[as_dict(e) for e in session.exec(select(Entity))],
        sources=[
            {k: v for k, v in as_dict(s).items() if k != "text"}
            for s in session.exec(select(Source).where(col(Source.superseded_by).is_(None)))
        ],
        evidence=[as_dict(e) for e in session.exec(select(Evidence).where(Evidence.review == "accepted"))],
        relations=[as_dict(r) for r in session.exec(select(Relation))],
    )


def _claims_csv(session: Session) -> Iterator[tuple[str, int]]:
    """The claims table in pieces of ``BATCH`` rows (text, rows in it): claims in subject, metric and id
    order, each with its accepted evidence and their distinct sources counted in the database."""
    C, E, entity = _cols(Claim), _cols(Evidence), _cols(Entity)
    counts = (
        sa_select(E.claim_id, func.count().label("evidence"),
                  func.count(distinct(E.source_id)).label("sources"))
        .where(E.review == "accepted")
        .group_by(E.claim_id)
        .subquery("counts")
    )
    query = (
        sa_select(C.id, C.subject_id, entity.name, C.metric, C.scope, C.value, C.value_max, C.unit,
                  C.qualifier, C.value_text, C.status, counts.c.evidence, counts.c.sources, C.statement)
        .select_from(
            Claim.__table__.outerjoin(Entity.__table__, entity.id == C.subject_id)  # type: ignore[attr-defined]
            .outerjoin(counts, counts.c.claim_id == C.id)
        )
        .order_by(C.subject_id, C.metric, C.id)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "claim_id", "subject", "metric", "scope", "value", "value_max", "unit", "qualifier", "value_text",
            "status", "evidence", "sources", "statement",
        ]
    )
    n = 0
    for (cid, subject_id, subject_name, metric, scope, value, value_max, unit, qualifier, value_text, status,
         evidence, sources, statement) in _streamed(session, query):
        writer.writerow(
            [
                cid,
                subject_id if subject_name is None else subject_name,
                metric,
                scope,
                value,
                value_max,
                unit,
                qualifier or "",
                value_text,
                status,
                evidence or 0,
                sources or 0,
                statement,
            ]
        )
        n += 1
        if n % BATCH == 0:
            yield buffer.getvalue(), BATCH
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue(), n % BATCH


def _json_document(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _json_with_items(document: dict[str, Any], path: Sequence[str], items: Iterable[Any]) -> Iterator[str]:
    """``json.dumps(document, ensure_ascii=False, indent=2) + "\\n"`` with the list at ``path`` (keys from the
    top) taken from ``items``, in pieces: each item is dumped as it comes, none kept.

    >>> doc = {"a": 1, "b": {"c": None, "d": 2}}
    >>> "".join(_json_with_items(doc, ["b", "c"], [{"x": [1]}, 2])) == _json_document(
    ...     {"a": 1, "b": {"c": [{"x": [1]}, 2], "d": 2}})
    True
    >>> "".join(_json_with_items(doc, ["b", "c"], [])) == _json_document({"a": 1, "b": {"c": [], "d": 2}})
    True
    """
    marker = f"items-{uuid.uuid4().hex}"
    shell = json.loads(json.dumps(document))
    inner = shell
    for key in path[:-1]:
        inner = inner[key]
    inner[path[-1]] = marker
    head, tail = _json_document(shell).split(json.dumps(marker), 1)
    indent = "\n" + " " * (2 * len(path) + 2)  # the items' depth: one level below their key's
    yield head + "["
    n = 0
    for item in items:
        text = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", indent)
        yield ("," if n else "") + indent + text
        n += 1
    yield ("\n" + " " * (2 * len(path)) + "]" if n else "]") + tail


def _claim_batches(session: Session, columns: Sequence[Any]) -> Iterator[list[Any]]:
    """Claims (the given columns, the id first) in id order, ``BATCH`` at a time (keyset pagination)."""
    C = _cols(Claim)
    last: str | None = None
    while True:
        query = sa_select(*columns).order_by(C.id).limit(BATCH)
        if last is not None:
            query = query.where(C.id > last)
        rows = list(session.execute(query))
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _kinds(session: Session) -> dict[str, str]:
    """Entity kinds by name and alias (the named parties: a vocabulary, not a row per claim or evidence)."""
    entity = _cols(Entity)
    rows = _streamed(session, sa_select(entity.id, entity.name, entity.kind, entity.aliases))
    return {name: kind for _, ename, kind, aliases in rows for name in (ename, *(aliases or []))}


def _claim_reviews(session: Session, *, base_url: str) -> Iterator[dict[str, Any]]:
    """A ClaimReview for every claim in id order, made a batch of claims at a time: each batch's claims
    with their subjects, then the appearances of exactly those claims (a range of claim ids)."""
    C, E, S, entity = _cols(Claim), _cols(Evidence), _cols(Source), _cols(Entity)
    kinds = _kinds(session)
    columns = (C.id, C.statement, C.status, C.reasons, C.updated_at, C.subject_id, entity.name)
    claims_of = sa_select(*columns).select_from(
        Claim.__table__.outerjoin(Entity.__table__, entity.id == C.subject_id)  # type: ignore[attr-defined]
    )
    appearing = (
        sa_select(E.claim_id, E.stance, E.asserted_by, E.parties, S.id, S.title, S.url, S.author, S.published)
        .join(Source.__table__, S.id == E.source_id)  # type: ignore[attr-defined]
        .where(E.review == "accepted", S.superseded_by.is_(None))
        .order_by(E.claim_id, S.id, E.start, E.id)
    )
    last: str | None = None
    while True:
        page = claims_of.order_by(C.id).limit(BATCH)
        rows = list(_streamed(session, page if last is None else page.where(C.id > last)))
        if not rows:
            return
        first_id, last = rows[0][0], rows[-1][0]
        appearances: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for cid, stance, asserted_by, parties, sid, title, url, author, published in _streamed(
            session, appearing.where(E.claim_id >= first_id, E.claim_id <= last)
        ):
            appearances[cid].append({"source_id": sid, "title": title, "url": url, "author": author,
                                     "published": published, "stance": stance, "asserted_by": asserted_by,
                                     "parties": parties or [asserted_by or "author"]})
        for cid, statement, status, reasons, updated_at, subject_id, subject_name in rows:
            claim = {"id": cid, "statement": statement, "status": status, "reasons": reasons,
                     "updated_at": _as_json(updated_at)}
            subject = {"id": subject_id, "name": subject_id if subject_name is None else subject_name}
            yield claim_review(claim, subject=subject, appearances=appearances.get(cid, []),
                               base_url=base_url, kinds=kinds)


def _annotation_items(session: Session, *, base_url: str) -> Iterator[dict[str, Any]]:
    """An Annotation for each piece of accepted evidence of the live sources, by source (name, id) then text
    order: the sources streamed, each one's text and evidence (with its claim) read when its turn comes."""
    E, C, S = _cols(Evidence), _cols(Claim), _cols(Source)
    sources = (
        sa_select(S.id, S.sha256, S.url).where(S.superseded_by.is_(None)).order_by(S.name, S.id)
    )
    evidence_of = (
        sa_select(E.id, E.start, E.end, E.stance, E.hedge, E.hypothetical, E.origin, E.added_by, E.added_at,
                  C.id, C.statement)
        .join(Claim.__table__, C.id == E.claim_id)  # type: ignore[attr-defined]
        .where(E.review == "accepted")
        .order_by(E.start, E.end, E.id)
    )
    for sid, sha256, url in _streamed(session, sources):
        text: str = session.execute(sa_select(S.text).where(S.id == sid)).scalar_one()
        row = {"id": sid, "sha256": sha256, "url": url}
        for (eid, start, end, stance, hedge, hypothetical, origin, added_by, added_at, cid,
             statement) in _streamed(session, evidence_of.where(E.source_id == sid)):
            evidence = {"id": eid, "start": start, "end": end, "stance": stance, "hedge": hedge,
                        "hypothetical": hypothetical, "origin": origin, "added_by": added_by,
                        "added_at": _as_json(added_at)}
            yield evidence_annotation(evidence, claim={"id": cid, "statement": statement}, source=row,
                                      text=text, base_url=base_url)


def _annotations_total(session: Session) -> int:
    E, C, S = _cols(Evidence), _cols(Claim), _cols(Source)
    query = (
        sa_select(func.count())
        .select_from(
            Evidence.__table__.join(Source.__table__, S.id == E.source_id)  # type: ignore[attr-defined]
            .join(Claim.__table__, C.id == E.claim_id)  # type: ignore[attr-defined]
        )
        .where(E.review == "accepted", S.superseded_by.is_(None))
    )
    return int(session.execute(query).scalar_one())


class _Counted:
    """An iterable that counts the items taken from it."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items, self.n = items, 0

    def __iter__(self) -> Iterator[Any]:
        for item in self.items:
            self.n += 1
            yield item


def _streamed_export(session: Session, fmt: str, *, base_url: str) -> Generator[str, None, int]:
    """The formats read a batch at a time (the graph formats are built whole, by ``graph_of``)."""
    if fmt == "mentions":
        n = 0
        lines: list[str] = []
        for line in _mention_lines(_mention_query_rows(session)):
            lines.append(line)
            if len(lines) == BATCH:
                yield "\n".join(lines) + "\n"
                n += len(lines)
                lines.clear()
        if lines:
            yield "\n".join(lines) + "\n"
        return n + len(lines)
    if fmt == "csv":
        n = 0
        for text, rows in _claims_csv(session):
            yield text
            n += rows
        return n
    if fmt == "claimreview":
        counted = _Counted(_claim_reviews(session, base_url=base_url))
        yield from _json_with_items({"@context": SCHEMA_CONTEXT, "@graph": None}, ["@graph"], counted)
        return counted.n
    if fmt == "annotations":
        total = _annotations_total(session)
        collection_id = f"{base_url}/api/export/annotations"
        shell = {
            "@context": ANNO_CONTEXT,
            "id": collection_id,
            "type": "AnnotationCollection",
            "label": "Evidence in the DeepSeek claims tracker",
            "total": total,
            "first": {"id": f"{collection_id}#page-1", "type": "AnnotationPage", "startIndex": 0,
                      "items": None},
        }
        items = _annotation_items(session, base_url=base_url)
        yield from _json_with_items(shell, ["first", "items"], items)
        return total
    raise AssertionError(fmt)


def export_chunks(
    session: Session, fmt: str, *, base_url: str = DEFAULT_BASE_URL
) -> Generator[str, None, int]:
    """The text of one export format, in pieces; the generator returns how many records (lines, nodes,
    rows, reviews or annotations) it held. ``base_url`` is where the JSON-LD formats say our pages are."""
    if fmt not in FORMATS:
        choices = ", ".join(FORMATS)
        raise InvalidInput(f"unknown export format {fmt!r}; choose one of {choices}", field="format")
    base_url = base_url.rstrip("/")
    if fmt in ("mentions", "csv", "claimreview", "annotations"):
        with _read_snapshot(session):  # one snapshot for every query of the export
            return (yield from _streamed_export(session, fmt, base_url=base_url))
    graph = graph_of(session)
    if fmt == "json":
        yield json.dumps(nx.node_link_data(graph, edges="links"), ensure_ascii=False, default=str) + "\n"
    else:
        writer = nx.generate_graphml if fmt == "graphml" else nx.generate_gexf
        for line in writer(scalar_attributes(graph)):
            yield line + "\n"
    return int(graph.number_of_nodes())


def write_export(session: Session, fmt: str, out: TextIO, *, base_url: str = DEFAULT_BASE_URL) -> int:
    """Write one export format to ``out``; return how many records it holds."""
    chunks = export_chunks(session, fmt, base_url=base_url)
    while True:
        try:
            out.write(next(chunks))
        except StopIteration as done:
            return int(done.value)
