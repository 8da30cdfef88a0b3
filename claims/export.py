"""Exports: mentions (JSON lines), the graph (GraphML, GEXF, node-link JSON), a claims CSV, ClaimReview and
Web Annotation JSON-LD; the CLI writes them and the API streams the same text."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Generator, Iterator
from typing import Any, TextIO

import networkx as nx
from sqlmodel import Session, col, select

from claims.claimreview import review_document
from claims.errors import InvalidInput
from claims.graph import build_graph, scalar_attributes
from claims.linked_data import annotations_document, claim_reviews
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


def contradiction_map(session: Session) -> dict[str, list[str]]:
    """For each claim, the claims it contradicts (sorted)."""
    out: dict[str, set[str]] = defaultdict(set)
    for a, b in session.exec(
        select(Relation.claim_a, Relation.claim_b).where(Relation.kind == "contradicts")
    ):
        out[a].add(b)
        out[b].add(a)
    return {k: sorted(v) for k, v in out.items()}


def mention_rows(session: Session) -> Iterator[dict[str, Any]]:
    """One row per extracted piece of evidence of a live source, in source and text order."""
    contradicts = contradiction_map(session)
    claims = {c.id: c for c in session.exec(select(Claim))}
    entities = {e.id: e.name for e in session.exec(select(Entity))}
    query = (
        select(Evidence, Source.name)
        .join(Source, col(Source.id) == col(Evidence.source_id))
        .where(
            Evidence.origin == "extracted", Evidence.review == "accepted", col(Source.superseded_by).is_(None)
        )
        # NULLs first as SQLite puts them, on PostgreSQL too; the id settles the rest
        .order_by(
            col(Source.name), col(Evidence.start), col(Evidence.value_start).nulls_first(), col(Evidence.id)
        )
    )
    for ev, source_name in session.exec(query):
        claim = claims[ev.claim_id]
        qualifier = ev.qualifier if ev.qualifier and ev.qualifier != "only" else ev.hedge
        yield {
            "source": source_name,
            "start": ev.start,
            "end": ev.end,
            "quote": ev.quote,
            "value_text": ev.value_text,
            "value": ev.value,
            "value_max": ev.value_max,
            "unit": claim.unit,
            "qualifier": qualifier,
            "subject": entities.get(claim.subject_id, claim.subject_id),
            "metric": claim.metric,
            "scope": claim.scope,
            # one entry per party, as stored (never split from the joined text)
            "asserted_by": list(parties_of(ev.asserted_by, ev.parties)),
            "stance": ev.stance,
            "hedge": ev.hedge,
            "confidence": 1.0 if ev.confidence is None else ev.confidence,
            "hypothetical": ev.hypothetical,
            "claim_id": claim.id,
            "status": claim.status,
            "contradicts": contradicts.get(claim.id, []),
            "evidence_id": ev.id,
            "note": ev.note,
        }


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


def _claims_csv(session: Session, out: TextIO) -> None:
    entities = {e.id: e.name for e in session.exec(select(Entity))}
    counts: dict[str, set[str]] = defaultdict(set)
    evidence_n: dict[str, int] = defaultdict(int)
    for cid, sid in session.exec(
        select(Evidence.claim_id, Evidence.source_id).where(Evidence.review == "accepted")
    ):
        counts[cid].add(sid)
        evidence_n[cid] += 1
    writer = csv.writer(out)
    writer.writerow(
        [
            "claim_id", "subject", "metric", "scope", "value", "value_max", "unit", "qualifier", "value_text",
            "status", "evidence", "sources", "statement",
        ]
    )
    for c in session.exec(select(Claim).order_by(col(Claim.subject_id), col(Claim.metric), col(Claim.id))):
        writer.writerow(
            [
                c.id,
                entities.get(c.subject_id, c.subject_id),
                c.metric,
                c.scope,
                c.value,
                c.value_max,
                c.unit,
                c.qualifier or "",
                c.value_text,
                c.status,
                evidence_n[c.id],
                len(counts[c.id]),
                c.statement,
            ]
        )


def _json_document(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def export_chunks(
    session: Session, fmt: str, *, base_url: str = DEFAULT_BASE_URL
) -> Generator[str, None, int]:
    """The text of one export format, in pieces; the generator returns how many records (lines, nodes,
    rows, reviews or annotations) it held. ``base_url`` is where the JSON-LD formats say our pages are."""
    if fmt not in FORMATS:
        choices = ", ".join(FORMATS)
        raise InvalidInput(f"unknown export format {fmt!r}; choose one of {choices}", field="format")
    base_url = base_url.rstrip("/")
    if fmt == "mentions":
        n = 0
        for row in mention_rows(session):
            yield json.dumps(row, ensure_ascii=False) + "\n"
            n += 1
        return n
    if fmt == "csv":
        buffer = io.StringIO()
        _claims_csv(session, buffer)
        yield buffer.getvalue()
        return buffer.getvalue().count("\n") - 1
    if fmt == "claimreview":
        reviews = claim_reviews(session, base_url=base_url)
        yield _json_document(review_document(reviews))
        return len(reviews)
    if fmt == "annotations":
        document = annotations_document(session, base_url=base_url) or {}
        yield _json_document(document)
        return int(document.get("total", 0))
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
