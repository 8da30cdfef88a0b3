"""Exports over HTTP: the same documents as `claims export`, with media types, downloads, one error shape."""

from __future__ import annotations

import typing

import pytest

from claims.export import FILE_NAMES, FORMATS, MEDIA_TYPES
from tests.jsonld import OA, SDO, expand, one
from tests.test_cli import run
from web.routes.exports import ExportFormat


@pytest.fixture(scope="module")
def cli_exports(site, tmp_path_factory):
    """Each format written by the command line over the server's database, with the server's URL as base."""
    folder = tmp_path_factory.mktemp("cli-exports")
    out = {}
    for fmt in FORMATS:
        path = folder / fmt
        run(site.db_path, "export", "--format", fmt, "--base-url", site.url, "--output", str(path))
        out[fmt] = path.read_bytes()
    return out


def test_the_api_formats_are_the_command_line_formats():
    assert typing.get_args(ExportFormat) == FORMATS


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_export_downloads_the_same_bytes_as_the_command_line(api, cli_exports, fmt):
    response = api.get(f"/api/export/{fmt}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MEDIA_TYPES[fmt]
    assert response.headers["content-disposition"] == f'attachment; filename="{FILE_NAMES[fmt]}"'
    assert response.content == cli_exports[fmt] and len(response.content) > 1000


def test_an_unknown_format_is_a_422_naming_the_formats(api):
    response = api.get("/api/export/pdf")
    assert response.status_code == 422
    body = response.json()
    assert "'claimreview'" in body["detail"] and body["errors"][0]["field"] == "fmt"


def test_one_claim_as_a_claimreview_is_its_entry_in_the_export(api, site):
    claim = api.get("/api/claims", params={"status": "disputed"}).json()["items"][0]
    response = api.get(f"/api/claims/{claim['id']}/claimreview")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    review = response.json()
    export = api.get("/api/export/claimreview").json()["@graph"]
    entry = next(r for r in export if r["identifier"] == claim["id"])
    assert review == {"@context": "https://schema.org", **entry}
    [node] = expand(review)
    assert node["@type"] == [SDO + "ClaimReview"]
    assert one(node, SDO + "claimReviewed")["@value"] == claim["statement"]
    assert one(node, SDO + "url")["@id"] == f"{site.url}/claims/{claim['id']}"
    assert one(one(node, SDO + "reviewRating"), SDO + "alternateName")["@value"] == "disputed"


def test_a_claimreview_of_an_unknown_claim_is_a_404(api):
    response = api.get("/api/claims/c-nope/claimreview")
    assert response.status_code == 404 and response.json() == {"detail": "no claim with id 'c-nope'"}


def test_a_source_s_annotations_point_into_its_text(api):
    source = api.get("/api/sources").json()[0]
    text = api.get(f"/api/sources/{source['id']}").json()["text"]
    response = api.get(f"/api/sources/{source['id']}/annotations")
    assert response.status_code == 200
    assert response.headers["content-type"] == 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    document = response.json()
    assert document["total"] == source["evidence"] > 0
    everything = api.get("/api/export/annotations").json()["first"]["items"]
    assert document["first"]["items"] == [a for a in everything if f"/sources/{source['id']}/" in a["id"]]
    [collection] = expand(document)
    items = one(one(collection, "http://www.w3.org/ns/activitystreams#first"),
                "http://www.w3.org/ns/activitystreams#items")["@list"]
    for item in items:
        selectors = {s["@type"][0]: s for s in one(item, OA + "hasTarget")[OA + "hasSelector"]}
        position = selectors[OA + "TextPositionSelector"]
        start, end = one(position, OA + "start")["@value"], one(position, OA + "end")["@value"]
        assert one(selectors[OA + "TextQuoteSelector"], OA + "exact")["@value"] == text[int(start) : int(end)]


def test_annotations_of_an_unknown_source_are_a_404(api):
    response = api.get("/api/sources/s-nope/annotations")
    assert response.status_code == 404 and response.json() == {"detail": "no source with id 's-nope'"}


def test_evidence_a_person_adds_is_annotated_as_theirs(live):
    api = live.editor
    claim = api.get("/api/claims").json()["items"][0]
    quote = "We counted 10,000 GPUs — not 50,000."
    created = api.post(f"/api/claims/{claim['id']}/evidence", json={
        "stance": "disputes", "quote": quote, "source_title": "A rebuttal", "source_url": "https://example.org/r",
        "asserted_by": None, "note": None})
    assert created.status_code == 201, created.text
    source_id = created.json()["source"]["id"]
    document = api.get(f"/api/sources/{source_id}/annotations").json()
    [annotation] = document["first"]["items"]
    assert annotation["creator"]["type"] == "Person"
    assert annotation["target"]["selector"][0]["exact"] == quote
    assert annotation["target"]["source"]["via"] == "https://example.org/r"
    assert {"type": "TextualBody", "value": "disputes", "purpose": "classifying"} in annotation["body"]


def test_openapi_documents_the_exports_and_their_media_types(api):
    paths = api.get("/openapi.json").json()["paths"]
    export = paths["/api/export/{fmt}"]["get"]
    assert set(export["parameters"][0]["schema"]["enum"]) == set(FORMATS)
    assert set(export["responses"]["200"]["content"]) == set(MEDIA_TYPES.values())
    review = paths["/api/claims/{claim_id}/claimreview"]["get"]["responses"]
    assert "application/ld+json" in review["200"]["content"] and "404" in review
    annotations = paths["/api/sources/{source_id}/annotations"]["get"]["responses"]
    assert MEDIA_TYPES["annotations"] in annotations["200"]["content"] and "404" in annotations


def test_the_claim_source_and_graph_pages_link_their_exports(api):
    html = {"accept": "text/html"}
    claim = api.get("/api/claims").json()["items"][0]
    page = api.get(f"/claims/{claim['id']}", headers=html).text
    link = f"/api/claims/{claim['id']}/claimreview"
    assert f'<link rel="alternate" type="application/ld+json" href="{link}"' in page
    assert f'class="claimreview-link" href="{link}"' in page
    source = api.get("/api/sources").json()[0]
    page = api.get(f"/sources/{source['id']}", headers=html).text
    assert f'href="/api/sources/{source["id"]}/annotations"' in page
    page = api.get("/graph", headers=html).text
    downloads = ("graphml", "gexf", "claimreview", "annotations")
    assert all(f'href="/api/export/{fmt}"' in page for fmt in downloads)
    for fmt in ("graphml", "gexf"):
        assert api.get(f"/api/export/{fmt}").status_code == 200
