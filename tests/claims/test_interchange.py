"""Interchange formats from `claims export`, validated by the tools that read them: ClaimReview and Web
Annotation JSON-LD expanded by pyld (vendored contexts), GraphML and GEXF read back by networkx."""

from __future__ import annotations

import json

import networkx as nx
import pytest
from sqlmodel import Session, col, func, select

from claims.annotations import evidence_annotation
from claims.claimreview import RATINGS, claim_review
from claims.export import graph_of
from claims.models import Claim, Entity, Evidence, Relation, Source
from tests.databases import copy_database, url_for
from tests.jsonld import AS, OA, SDO, expand, one, values
from tests.test_cli import run

BASE = "http://tracker.example:8123"


@pytest.fixture(scope="module")
def exported(seeded_template, tmp_path_factory):
    """Each format exported once by the real command over a copy of the seeded database."""
    folder = tmp_path_factory.mktemp("exports")
    db = folder / "claims.db"
    copy_database(seeded_template, db)
    out = {}
    for fmt in ("claimreview", "annotations", "graphml", "gexf", "csv", "mentions"):
        path = folder / f"export.{fmt}"
        result = run(db, "export", "--format", fmt, "--base-url", BASE + "/", "--output", str(path))
        assert "Wrote" in result.stderr
        out[fmt] = path
    return db, out


@pytest.fixture(scope="module")
def store(exported):
    from claims.db import make_engine

    engine = make_engine(url_for(exported[0]))
    with Session(engine) as session:
        yield session
    engine.dispose()


def _typed(nodes, iri):
    return [n for n in nodes if iri in n.get("@type", [])]


def test_claimreview_export_is_one_review_per_claim_with_the_required_fields(exported, store):
    document = json.loads(exported[1]["claimreview"].read_text(encoding="utf-8"))
    assert document["@context"] == "https://schema.org"
    reviews = _typed(expand(document), SDO + "ClaimReview")
    claims = {c.id: c for c in store.exec(select(Claim))}
    assert len(reviews) == len(claims) > 50
    for review in reviews:
        url = one(review, SDO + "url")["@id"]
        claim = claims[url.removeprefix(f"{BASE}/claims/")]
        assert one(review, SDO + "claimReviewed")["@value"] == claim.statement
        rating = one(review, SDO + "reviewRating")
        assert rating["@type"] == [SDO + "Rating"]
        assert one(rating, SDO + "ratingValue")["@value"] == RATINGS[claim.status]
        assert one(rating, SDO + "alternateName")["@value"] == claim.status
        assert one(rating, SDO + "bestRating")["@value"] == 4
        assert one(rating, SDO + "worstRating")["@value"] == 1
        item = one(review, SDO + "itemReviewed")
        assert item["@type"] == [SDO + "Claim"]
        assert one(item, SDO + "about")["@id"] == f"{BASE}/entities/{claim.subject_id}"
        assert one(review, SDO + "author")["@type"] == [SDO + "Organization"]
        assert one(review, SDO + "reviewBody")["@value"] == " ".join(claim.reasons)


def test_a_claim_appears_in_the_sources_of_its_supporting_evidence(exported, store):
    reviews = {r["identifier"]: r for r in json.loads(exported[1]["claimreview"].read_text())["@graph"]}
    rows = store.exec(
        select(Evidence.claim_id, Evidence.source_id).where(Evidence.review == "accepted",
                                                            Evidence.stance == "supports")
    ).all()
    expected: dict[str, set[str]] = {}
    for claim_id, source_id in rows:
        expected.setdefault(claim_id, set()).add(f"{BASE}/sources/{source_id}")
    for claim_id, pages in expected.items():
        item = reviews[claim_id]["itemReviewed"]
        assert {work["@id"] for work in item["appearance"]} == pages
        assert item["firstAppearance"]["@id"] in pages


def test_a_claim_asserted_by_a_person_names_that_person_as_its_author(exported, store):
    people = {e.name for e in store.exec(select(Entity).where(Entity.kind == "person"))}
    reviews = json.loads(exported[1]["claimreview"].read_text())["@graph"]
    authors = [r["itemReviewed"].get("author") for r in reviews]
    named = [a for a in authors if isinstance(a, dict) and a["name"] in people]
    assert named and all(a["@type"] == "Person" for a in named)
    assert {"@type": "Person", "name": "Alexandr Wang"} in authors


def test_annotation_export_expands_and_every_exact_is_the_source_text_slice(exported, store):
    document = json.loads(exported[1]["annotations"].read_text(encoding="utf-8"))
    assert document["@context"] == "http://www.w3.org/ns/anno.jsonld"
    [collection] = expand(document)
    assert collection["@type"] == [AS + "OrderedCollection"]
    page = one(collection, AS + "first")
    annotations = one(page, AS + "items")["@list"]
    live = store.exec(
        select(func.count()).select_from(Evidence).join(Source, col(Source.id) == col(Evidence.source_id))
        .where(Evidence.review == "accepted", col(Source.superseded_by).is_(None))
    ).one()
    assert len(annotations) == one(collection, AS + "totalItems")["@value"] == live > 100
    texts = {f"urn:sha256:{s.sha256}": s.text for s in store.exec(select(Source))}
    for annotation in annotations:
        assert annotation["@type"] == [OA + "Annotation"]
        assert values(annotation, OA + "motivatedBy") == [OA + "assessing"]
        assert one(annotation, "http://purl.org/dc/terms/created")["@type"].endswith("#dateTime")
        target = one(annotation, OA + "hasTarget")
        text = texts[one(target, OA + "hasSource")["@id"]]
        selectors = {s["@type"][0]: s for s in target[OA + "hasSelector"]}
        assert set(selectors) == {OA + "TextQuoteSelector", OA + "TextPositionSelector"}
        quote, position = selectors[OA + "TextQuoteSelector"], selectors[OA + "TextPositionSelector"]
        start, end = int(one(position, OA + "start")["@value"]), int(one(position, OA + "end")["@value"])
        assert one(quote, OA + "exact")["@value"] == text[start:end]
        assert text[:start].endswith(one(quote, OA + "prefix")["@value"])
        assert text[end:].startswith(one(quote, OA + "suffix")["@value"])
        bodies = annotation[OA + "hasBody"]
        purposes = {v for b in bodies for v in values(b, OA + "hasPurpose")}
        assert purposes >= {OA + "describing", OA + "linking", OA + "classifying"}


def test_annotations_hold_the_stored_offsets_of_each_piece_of_evidence(exported, store):
    items = json.loads(exported[1]["annotations"].read_text())["first"]["items"]
    stored = {ev.id: ev for ev in store.exec(select(Evidence))}
    for item in items:
        ev = stored[item["id"].rsplit("#", 1)[1]]
        position = item["target"]["selector"][1]
        assert (position["start"], position["end"]) == (ev.start, ev.end)
        assert item["target"]["selector"][0]["exact"] == ev.quote
        assert {"type": "TextualBody", "value": ev.stance, "purpose": "classifying"} in item["body"]


@pytest.mark.parametrize("fmt, reader", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_graph_exports_read_back_with_the_counts_of_the_store(exported, store, fmt, reader):
    graph = reader(exported[1][fmt])
    count = lambda query: store.exec(select(func.count()).select_from(query)).one()  # noqa: E731
    live_sources = store.exec(
        select(func.count()).select_from(Source).where(col(Source.superseded_by).is_(None))
    ).one()
    assert graph.number_of_nodes() == count(Claim) + count(Entity) + live_sources
    relations = [data.get("relation") for *_, data in graph.edges(data=True)]
    assert relations.count("about") == count(Claim)
    assert relations.count("evidence") == store.exec(
        select(func.count()).select_from(Evidence).where(Evidence.review == "accepted")).one()
    assert sum(r not in ("about", "evidence", "asserts") for r in relations) == count(Relation)
    assert graph.number_of_edges() == graph_of(store).number_of_edges()
    for _, data in graph.nodes(data=True):
        assert all(value is not None and not isinstance(value, list | dict) for value in data.values())


def test_csv_and_mentions_still_work_alongside(exported, store):
    assert len(exported[1]["csv"].read_text().splitlines()) - 1 == len(store.exec(select(Claim)).all())
    rows = [json.loads(line) for line in exported[1]["mentions"].read_text().splitlines()]
    assert rows and all(r["quote"] for r in rows)


def test_streamed_exports_hold_what_the_rows_give(exported, store):
    """The mentions lines are made without dicts and the JSON-LD documents item by item: each is still
    exactly json.dumps of the rows and documents the plain functions give."""
    from claims.claimreview import review_document
    from claims.export import mention_rows
    from claims.linked_data import annotations_document, claim_reviews

    lines = exported[1]["mentions"].read_text(encoding="utf-8").splitlines()
    assert lines == [json.dumps(row, ensure_ascii=False) for row in mention_rows(store)]
    assert exported[1]["claimreview"].read_text(encoding="utf-8") == json.dumps(
        review_document(claim_reviews(store, base_url=BASE)), ensure_ascii=False, indent=2) + "\n"
    assert exported[1]["annotations"].read_text(encoding="utf-8") == json.dumps(
        annotations_document(store, base_url=BASE), ensure_ascii=False, indent=2) + "\n"


def test_base_url_must_be_http(seeded_db):
    result = run(seeded_db, "export", "--format", "claimreview", "--base-url", "ftp://x", check=False)
    assert result.returncode == 2 and "--base-url must be an http(s) URL" in result.stderr


def test_the_quote_selector_counts_code_points_like_python():
    text = "Le coût: 5,6 M$ 🚀 selon l’article, pas 6 M$."
    start = text.index("5,6")
    annotation = evidence_annotation(
        {"id": "e-1", "start": start, "end": start + 7, "stance": "supports",
         "added_at": "2025-01-01T00:00:00Z", "origin": "person", "added_by": "ana", "hypothetical": True},
        claim={"id": "c-1", "statement": "x"}, source={"id": "s-1", "sha256": "00", "url": "https://example.org/a"},
        text=text, base_url=BASE,
    )
    quote, position = annotation["target"]["selector"]
    assert quote["exact"] == "5,6 M$ " == text[position["start"] : position["end"]]
    assert annotation["creator"] == {"type": "Person", "name": "ana"}
    assert annotation["target"]["source"]["via"] == "https://example.org/a"
    assert {"type": "TextualBody", "value": "hypothetical", "purpose": "tagging"} in annotation["body"]
    [expanded] = expand({"@context": "http://www.w3.org/ns/anno.jsonld", **annotation})
    assert one(one(expanded, OA + "hasTarget"), OA + "hasSource")[OA + "via"] == [{"@id": "https://example.org/a"}]


def test_a_claim_without_supporting_evidence_has_no_first_appearance():
    review = claim_review(
        {"id": "c-9", "statement": "s", "status": "refuted", "reasons": [],
         "updated_at": "2025-03-01T00:00:00Z"},
        subject={"id": "deepseek", "name": "DeepSeek"},
        appearances=[{"source_id": "s-1", "title": "t", "stance": "disputes", "asserted_by": "author"}],
        base_url=BASE,
    )
    assert "firstAppearance" not in review["itemReviewed"] and review["itemReviewed"]["appearance"] == []
    assert review["reviewRating"]["ratingValue"] == 1 and review["reviewBody"] == "Status: refuted."
    with pytest.raises(ValueError, match="unknown status 'maybe'"):
        claim_review({**review, "id": "c-9", "statement": "s", "status": "maybe", "updated_at": "2025"},
                     subject={"id": "x", "name": "X"}, appearances=[], base_url=BASE)
