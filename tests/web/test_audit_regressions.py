"""Regression tests for the defects the adversarial audit found (issue 18), each named after its defect."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ingest_into
from tests.web.conftest import running_server

BAD = "x\ud800"  # a lone surrogate, as JSON's "\ud800" escape gives


@pytest.fixture()
def claim_id(live) -> str:
    return live.client.get("/api/claims").json()["items"][0]["id"]


def surrogate_body(field: str) -> bytes:
    body = {"stance": "supports", "quote": "A quote.", "source_title": "A title", field: BAD}
    return json.dumps(body).encode()  # ensure_ascii keeps the lone surrogate as its escape


@pytest.mark.parametrize("field", ["quote", "source_title", "asserted_by", "note"])
@pytest.mark.parametrize("who", ["editor", "reader"])
def test_lone_surrogates_give_a_422_naming_the_field_not_a_500(live, claim_id, field, who):
    client = getattr(live, who)
    before = len(live.editor.get(f"/api/claims/{claim_id}").json()["evidence"])
    response = client.post(
        f"/api/claims/{claim_id}/evidence", content=surrogate_body(field),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert field in response.text and "Unicode" in response.text
    # the connection stays usable and nothing was stored
    assert len(live.editor.get(f"/api/claims/{claim_id}").json()["evidence"]) == before


def test_javascript_urls_from_front_matter_are_shown_as_text_not_links(tmp_path, extractor, vocabulary):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text(
        "---\ntitle: A post\nurl: javascript:alert(document.cookie)\n---\n"
        "DeepSeek said it trained V3 on 2,048 H800 GPUs.\n",
        encoding="utf-8",
    )
    db = tmp_path / "c.db"
    engine, report = ingest_into(db, [folder], extractor, vocabulary)
    engine.dispose()
    assert not report.skipped
    with running_server(db) as server:
        source = server.client.get("/api/sources").json()
        items = source["items"] if isinstance(source, dict) else source
        page = server.client.get(f"/sources/{items[0]['id']}", headers={"accept": "text/html"}).text
        assert 'href="javascript:' not in page and "javascript:alert" in page
        claim = server.client.get("/api/claims").json()["items"][0]["id"]
        assert 'href="javascript:' not in server.client.get(f"/claims/{claim}").text


def test_docs_have_a_content_security_policy(site):
    response = site.client.get("/docs")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    policy = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert policy["object-src"] == "'none'" and "'unsafe-inline'" not in policy["script-src"]
    assert "'sha256-" in policy["script-src"]  # only the page's own bootstrap script, by its hash
