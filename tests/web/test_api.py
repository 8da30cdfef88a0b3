"""The JSON API through a real server on the seeded database: filters, one claim, adding evidence, errors."""

from __future__ import annotations

import pytest

from claims.models import STATUSES
from web.schemas import Status

DISPUTE = {
    "stance": "disputes",
    "quote": "Our own count says otherwise.",
    "source_title": "A rebuttal",
    "source_url": "https://example.org/rebuttal",
    "asserted_by": "Independent Analyst",
    "note": None,
}


def disputed_metrics(api) -> set[str]:
    body = api.get("/api/claims", params={"status": "disputed", "per_page": 100}).json()
    return {item["metric"] for item in body["items"]}


def test_disputed_claims_include_the_gpu_count_fp8_memory_and_moe_disputes(api):
    response = api.get("/api/claims", params={"status": "disputed", "per_page": 100})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "total", "page", "per_page"}
    assert body["total"] == len(body["items"]) and body["page"] == 1
    assert {item["status"] for item in body["items"]} == {"disputed"}
    assert {"gpu_count", "memory_reduction", "uses_moe"} <= disputed_metrics(api)
    gpu = [i for i in body["items"] if i["metric"] == "gpu_count" and i["subject"]["id"] == "deepseek"]
    assert gpu and all(i["evidence_count"] >= 1 for i in gpu)


def test_claims_are_paginated_and_counted(api):
    everything = api.get("/api/claims", params={"per_page": 100}).json()
    first = api.get("/api/claims", params={"per_page": 5}).json()
    second = api.get("/api/claims", params={"per_page": 5, "page": 2}).json()
    assert first["total"] == everything["total"] > 10
    assert [i["id"] for i in first["items"] + second["items"]] == [i["id"] for i in everything["items"][:10]]
    assert everything["items"][0]["status"] == "disputed"  # disputed first


@pytest.mark.parametrize(
    "params",
    [
        {"subject": "deepseek"},
        {"metric": "gpu_count"},
        {"asserted_by": "Wang"},
        {"q": "Hopper"},
        {"q": "export controls"},
    ],
)
def test_each_filter_narrows_the_list(api, params):
    body = api.get("/api/claims", params={**params, "per_page": 100}).json()
    total = api.get("/api/claims").json()["total"]
    assert 0 < body["total"] < total
    for key in ("subject", "metric"):
        if key in params:
            assert all((i[key]["id"] if key == "subject" else i[key]) == params[key] for i in body["items"])


def test_source_filter_gives_the_claims_with_evidence_in_that_source(api):
    source = api.get("/api/sources").json()[0]
    listed = api.get("/api/claims", params={"source": source["id"], "per_page": 100}).json()
    in_text = {
        ev["claim_id"]
        for ev in api.get(f"/api/sources/{source['id']}").json()["evidence"]
        if ev["review"] == "accepted"
    }
    assert {i["id"] for i in listed["items"]} == in_text


def test_facets_count_each_filter_value(api):
    facets = api.get("/api/claims/facets", params={"status": "disputed"}).json()
    status_counts = {f["value"]: f["count"] for f in facets["status"]}
    # the status facet ignores the status filter, so every status stays reachable
    assert status_counts["disputed"] == api.get("/api/claims", params={"status": "disputed"}).json()["total"]
    assert len(status_counts) > 1
    assert any(f["value"] == "gpu_count" for f in facets["metric"])


@pytest.mark.parametrize("q", ['"', "*", "AND (", "NEAR(", "' OR 1=1 --", "ü", "$5.6M", "a" * 200])
def test_odd_search_text_never_breaks_the_search(api, q):
    assert api.get("/api/claims", params={"q": q}).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"page": 0},
        {"page": -1},
        {"page": "abc"},
        {"per_page": 0},
        {"per_page": 1000},
        {"page": 10**30},
        {"status": "bogus"},
        {"q": "x" * 500},
    ],
)
def test_bad_list_parameters_are_422_json(api, params):
    response = api.get("/api/claims", params=params)
    assert response.status_code == 422
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["errors"][0]["field"] in params


def test_one_claim_has_status_reasons_evidence_and_relations(api):
    claim_id = api.get("/api/claims", params={"metric": "gpu_count", "status": "disputed"}).json()["items"][
        0
    ]["id"]
    body = api.get(f"/api/claims/{claim_id}").json()
    assert body["status"] == "disputed"
    assert body["reasons"] and all(isinstance(r, str) for r in body["reasons"])
    assert body["question"] == "How many GPUs does DeepSeek have?"
    assert body["evidence"] and all(ev["quote"] and ev["source"]["title"] for ev in body["evidence"])
    assert any(rel["kind"] == "contradicts" for rel in body["related"])
    assert sum(point["current"] for point in body["spread"]) == 1


def test_disputing_evidence_moves_a_corroborated_claim_to_disputed(live):
    api = live.editor
    claim = api.get("/api/claims", params={"status": "corroborated"}).json()["items"][0]
    before = api.get(f"/api/claims/{claim['id']}").json()
    response = api.post(f"/api/claims/{claim['id']}/evidence", json=DISPUTE)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["stance"] == "disputes" and created["quote"] == DISPUTE["quote"]
    assert created["origin"] == "person" and created["source"]["url"] == DISPUTE["source_url"]
    assert created["claim"] == {**created["claim"], "previous_status": "corroborated", "status": "disputed"}
    after = api.get(f"/api/claims/{claim['id']}").json()
    assert after["status"] == "disputed"
    assert any("Independent Analyst" in reason for reason in after["reasons"])
    # appended, never edited in place: everything that was there is still there, unchanged
    assert after["evidence"][: len(before["evidence"])] == before["evidence"]
    assert after["evidence"][-1]["id"] == created["id"]


def test_evidence_can_cite_an_existing_source_by_id(live):
    api = live.editor
    source = api.get("/api/sources").json()[0]
    text = api.get(f"/api/sources/{source['id']}").json()["text"]
    quote = text[100:160]
    claim_id = api.get("/api/claims").json()["items"][0]["id"]
    body = {"stance": "supports", "quote": quote, "source_id": source["id"]}
    created = api.post(f"/api/claims/{claim_id}/evidence", json=body).json()
    assert (created["start"], created["end"]) == (text.find(quote), text.find(quote) + len(quote))
    assert created["source"]["id"] == source["id"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/claims/c-nope",
        "/api/sources/s-nope",
        "/api/entities/nobody",
        "/api/graph?focus=claim:c-nope",
        "/api/nothing-here",
    ],
)
def test_unknown_ids_are_404_json(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/claims?q=a%00b",
        "/api/claims?subject=deep%00seek",
        "/api/claims?asserted_by=%00",
        "/api/claims/facets?metric=gpu%00count",
        "/api/claims/c-%00",
        "/api/sources/s-%00",
        "/api/entities/x%00",
    ],
)
def test_nul_characters_in_the_address_never_give_a_500(api, path):
    """PostgreSQL refuses NUL in text where SQLite takes it: either way the client gets an answer, no 500."""
    response = api.get(path)
    assert response.status_code in (200, 404, 422), response.text
    if response.status_code != 200:  # the one error shape: a 422 also lists the fields at fault
        body = response.json()
        assert body["detail"] and set(body) <= {"detail", "errors"}


def test_evidence_for_an_unknown_claim_is_404_json(editor_api):
    response = editor_api.post("/api/claims/c-nope/evidence", json=DISPUTE)
    assert response.status_code == 404 and "c-nope" in response.json()["detail"]


MALFORMED = [
    ("not json", "{stance: disputes", None),
    ("empty body", "", None),
    ("a list", "[1, 2]", None),
    ("no stance", {"quote": "x", "source_title": "t"}, "stance"),
    ("bad stance", {**DISPUTE, "stance": "maybe"}, "stance"),
    ("quote not text", {**DISPUTE, "quote": 5}, "quote"),
    ("blank quote", {**DISPUTE, "quote": "   "}, "quote"),
    ("no source", {**DISPUTE, "source_title": None, "source_url": None}, "source_title"),
    ("bad url", {**DISPUTE, "source_url": "javascript:alert(1)"}, "source_url"),
    ("unknown source", {**DISPUTE, "source_id": "s-nope", "source_title": None}, "source_id"),
    ("long note", {**DISPUTE, "note": "n" * 5000}, "note"),
    ("long url", {**DISPUTE, "source_url": "https://example.org/" + "a" * 1500}, "source_url"),
    ("NUL in quote", {**DISPUTE, "quote": "2,048\x00 GPUs"}, "quote"),
    ("NUL in asserter", {**DISPUTE, "asserted_by": "Jane\x00"}, "asserted_by"),
    ("NUL in title", {**DISPUTE, "source_title": "\x00"}, "source_title"),
    ("unknown field", {**DISPUTE, "sourc_title": "typo"}, "sourc_title"),
]


@pytest.mark.parametrize("label, body, field", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_evidence_is_422_json_never_500(api, editor_api, label, body, field):
    claim_id = api.get("/api/claims").json()["items"][0]["id"]
    before = api.get(f"/api/claims/{claim_id}").json()["evidence"]
    url = f"/api/claims/{claim_id}/evidence"
    if isinstance(body, str):
        response = editor_api.post(url, content=body, headers={"content-type": "application/json"})
    else:
        response = editor_api.post(url, json=body)
    assert response.status_code == 422, response.text
    payload = response.json()
    assert isinstance(payload["detail"], str) and payload["detail"]
    if field:
        assert field in {e["field"] for e in payload["errors"]}
    assert api.get(f"/api/claims/{claim_id}").json()["evidence"] == before  # nothing was written


def test_a_quote_not_in_the_cited_source_is_refused(api, editor_api):
    source = api.get("/api/sources").json()[0]
    claim_id = api.get("/api/claims").json()["items"][0]["id"]
    body = {"stance": "supports", "quote": "words this article never wrote", "source_id": source["id"]}
    response = editor_api.post(f"/api/claims/{claim_id}/evidence", json=body)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "quote"


def test_wrong_method_is_405_json(api):
    response = api.post("/api/claims", json={})
    assert response.status_code == 405 and "detail" in response.json()


def test_sources_entities_and_graph(api):
    sources = api.get("/api/sources").json()
    assert len(sources) >= 5 and all(s["evidence"] >= 0 for s in sources)
    source = api.get(f"/api/sources/{sources[0]['id']}").json()
    assert all(source["text"][ev["start"] : ev["end"]] == ev["quote"] for ev in source["evidence"])
    deepseek = api.get("/api/entities/deepseek").json()
    assert deepseek["name"] == "DeepSeek" and deepseek["about"] and deepseek["children"]
    wang = api.get("/api/entities/alexandr-wang").json()
    assert any(item["metric"] == "gpu_count" for item in wang["asserted"])
    graph = api.get("/api/graph").json()
    assert {"nodes", "links"} <= set(graph)
    types = {n["type"] for n in graph["nodes"]}
    assert {"claim", "source", "entity"} <= types
    focus = api.get("/api/graph", params={"focus": "entity:deepseek"}).json()
    assert 1 < len(focus["nodes"]) < len(graph["nodes"])


def test_overview_groups_disputes_by_question(api):
    body = api.get("/api/overview").json()
    questions = {g["question"]: g for g in body["disputes"]}
    gpu = questions["How many GPUs does DeepSeek have?"]
    assert len(gpu["claims"]) >= 2
    assert all(c["origin_count"] == len(c["origins"]) for c in gpu["claims"])
    assert body["counts"]["sources"] >= 5 and body["counts"]["disputed"] >= len(body["disputes"])


def test_openapi_documents_every_api_route(api):
    schema = api.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/api/claims",
        "/api/claims/{claim_id}",
        "/api/claims/{claim_id}/evidence",
        "/api/sources/{source_id}",
        "/api/entities/{entity_id}",
        "/api/graph",
        "/api/overview",
    } <= paths
    assert all(p.startswith("/api/") for p in paths)
    post = schema["paths"]["/api/claims/{claim_id}/evidence"]["post"]
    assert {"201", "404", "422"} <= set(post["responses"])
    docs = api.get("/docs")
    assert docs.status_code == 200 and "/static/vendor/swagger-ui-bundle" in docs.text
    assert "cdn" not in docs.text.lower()


def test_the_api_status_names_are_the_domain_statuses():
    assert set(Status.__args__) == set(STATUSES)


def test_the_graph_can_be_cut_down_to_the_disputes(api):
    everything = api.get("/api/graph").json()
    disputes = api.get("/api/graph", params={"view": "disputes", "quotes": "false"}).json()
    claims = {n["id"] for n in disputes["nodes"] if n["type"] == "claim"}
    rivals = {
        end
        for link in everything["links"]
        if link.get("relation") == "contradicts"
        for end in (link["source"], link["target"])
    }
    assert claims == rivals
    assert all("quote" not in link for link in disputes["links"])
    capped = api.get("/api/graph", params={"max_claims": 3}).json()
    assert sum(n["type"] == "claim" for n in capped["nodes"]) == 3
    assert api.get("/api/graph", params={"max_claims": 0}).status_code == 422


def test_the_overview_lists_the_most_discussed_questions_first(api):
    full = api.get("/api/overview", params={"limit": 1000}).json()
    assert full["disputes_total"] == len(full["disputes"])
    first = api.get("/api/overview", params={"limit": 1}).json()
    assert first["disputes"] == full["disputes"][:1] and first["disputes_total"] == full["disputes_total"]
    counts = [g["evidence_count"] for g in full["disputes"]]
    assert counts == sorted(counts, reverse=True)


def test_the_source_search_answers_by_title_words_and_id_prefix(site):
    everything = site.client.get("/api/sources", params={"per_page": 500}).json()
    title = everything[0]["title"]
    word = max(title.split(), key=len).upper()  # any case
    found = site.client.get("/api/sources", params={"q": word})
    assert found.status_code == 200 and everything[0]["id"] in {s["id"] for s in found.json()}
    assert all(word.lower() in s["title"].lower() or s["id"].lower().startswith(word.lower())
               for s in found.json())
    by_id = site.client.get("/api/sources", params={"q": everything[1]["id"][:8]}).json()
    assert everything[1]["id"] in {s["id"] for s in by_id}
    assert site.client.get("/api/sources", params={"q": "no title holds this zzqx"}).json() == []
    options = site.client.get("/sources/options", params={"q": "zzqx"}, headers={"accept": "text/html"})
    assert options.status_code == 200 and "No source’s title holds" in options.text
