"""Regression tests for the defects the adversarial audit found (issue 18), each named after its defect."""

from __future__ import annotations

import json

import httpx
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


def pending_evidence(live, claim_id: str) -> str:
    body = {"stance": "disputes", "quote": "A reader's doubt.", "source_title": "A letter"}
    created = live.reader.post(f"/api/claims/{claim_id}/evidence", json=body)
    assert created.status_code == 202, created.text
    return created.json()["id"]


def editor_browser(live):
    """A browser signed in as the editor: a session cookie and the CSRF cookie of a page it has seen."""
    from tests.web.test_pages import log_in

    client = httpx.Client(base_url=live.url, timeout=10)
    log_in(client)
    client.get("/", headers={"accept": "text/html"})  # a page sets the CSRF cookie
    return client


@pytest.mark.parametrize(
    "forged",
    [
        {"origin": "http://127.0.0.1:1"},  # a page on another port of the same host
        {"origin": "http://evil.localhost"},  # a sibling (sub)domain
        {"sec-fetch-site": "same-site"},  # no Origin, but the browser says it came from another site
        {"content-type": "application/x-www-form-urlencoded"},  # a plain form post with no token at all
    ],
    ids=["other-port", "sibling-domain", "same-site", "no-token"],
)
def test_forged_moderation_with_the_session_cookie_is_refused(live, claim_id, forged):
    evidence = pending_evidence(live, claim_id)
    browser = editor_browser(live)
    response = browser.post(f"/api/evidence/{evidence}/accept", headers=forged)
    assert response.status_code == 403, response.text
    queued = [q["id"] for q in live.editor.get("/api/moderation").json()["items"]]
    assert evidence in queued  # still waiting: nothing was accepted


def test_a_same_origin_write_with_the_csrf_header_and_a_bearer_token_write_still_work(live, claim_id):
    from web.auth import CSRF_HEADER
    from web.csrf import COOKIE

    first, second = pending_evidence(live, claim_id), pending_evidence(live, claim_id)
    browser = editor_browser(live)
    headers = {"origin": live.url.rstrip("/"), CSRF_HEADER: browser.cookies[COOKIE]}
    assert browser.post(f"/api/evidence/{first}/accept", headers=headers).status_code == 200
    assert live.editor.post(f"/api/evidence/{second}/accept").status_code == 200


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_throttling_is_not_bypassed_by_rotating_x_forwarded_for(sqlite_only, seeded_db):
    """`claims serve` itself, as users run it: a local client that changes X-Forwarded-For on every write
    is still one client to the rate limit (no proxy is trusted unless --forwarded-allow-ips names it)."""
    import subprocess
    import sys
    import time

    from tests.web.conftest import READER, make_accounts

    tokens = make_accounts(seeded_db)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "claims.cli", "--db", str(seeded_db), "serve", "--port", str(port),
         "--write-burst", "2", "--write-rate", "0.01", "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/api/claims", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        client = httpx.Client(base_url=url, headers={"authorization": f"Bearer {tokens[READER]}"}, timeout=10)
        claim = client.get("/api/claims").json()["items"][0]["id"]
        body = {"stance": "disputes", "quote": "A doubt.", "source_title": "A letter"}
        answers = [
            client.post(f"/api/claims/{claim}/evidence", json=body,
                        headers={"x-forwarded-for": f"10.0.0.{i}"}).status_code
            for i in range(4)
        ]
        assert answers[:2] == [202, 202] and 429 in answers[2:], answers
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_openapi_schema_refuses_what_the_server_refuses(site):
    schemas = site.client.get("/openapi.json").json()["components"]["schemas"]
    reject, retract = schemas["RejectIn"], schemas["RetractIn"]
    assert reject["required"] == ["comment"] and reject["properties"]["comment"]["minLength"] == 1
    assert "anyOf" not in reject["properties"]["comment"]  # not nullable
    assert retract["properties"]["reason"]["minLength"] == 1 and retract["properties"]["reason"]["pattern"]


@pytest.mark.parametrize(
    "source",
    [{"source_title": None}, {"source_title": "  "}, {}, {"source_id": None, "source_title": None}],
    ids=["null-title", "blank-title", "neither", "both-null"],
)
def test_evidence_without_a_source_is_refused_by_the_schema_and_by_the_server(live, claim_id, source):
    import jsonschema_rs

    spec = live.client.get("/openapi.json").json()
    schema = jsonschema_rs.Draft202012Validator(spec["components"]["schemas"]["EvidenceIn"])
    body = {"stance": "supports", "quote": "A quote.", **source}
    assert not schema.is_valid(body)  # the schema refuses it ...
    response = live.editor.post(f"/api/claims/{claim_id}/evidence", json=body)
    assert response.status_code == 422 and "source_title" in response.text  # ... and so does the server
    good = {"stance": "supports", "quote": "A quote.", "source_title": "A letter"}
    assert schema.is_valid(good)


@pytest.mark.parametrize("body", [{"comment": None}, {"comment": ""}, {"comment": "   "}, {}])
def test_a_rejection_without_a_reason_is_a_422_as_the_schema_says(live, claim_id, body):
    evidence = pending_evidence(live, claim_id)
    response = live.editor.post(f"/api/evidence/{evidence}/reject", json=body)
    assert response.status_code == 422, response.text


def test_unmoderated_text_of_a_held_submission_is_private_until_accepted(live, claim_id):
    body = {"stance": "disputes", "quote": "Secret draft words.", "source_title": "An unpublished letter",
            "source_url": "https://example.org/letter"}
    held = live.reader.post(f"/api/claims/{claim_id}/evidence", json=body)
    assert held.status_code == 202, held.text
    source_id = held.json()["source"]["id"]

    def visible_to(client) -> bool:
        listed = any(s["id"] == source_id for s in client.get("/api/sources").json())
        page = client.get(f"/sources/{source_id}", headers={"accept": "text/html"})
        assert (client.get(f"/api/sources/{source_id}").status_code == 200) == (page.status_code == 200)
        form = client.get(f"/claims/{claim_id}", headers={"accept": "text/html"}).text
        offered = f'value="{source_id}"' in form  # the evidence form's list of sources
        return listed or page.status_code == 200 or offered

    assert not visible_to(live.client) and not visible_to(live.reader)
    assert live.editor.get(f"/api/sources/{source_id}").status_code == 200  # a moderator may read it
    # rejected: still private
    rejected = live.editor.post(f"/api/evidence/{held.json()['id']}/reject", json={"comment": "no"})
    assert rejected.status_code == 200
    assert not visible_to(live.client)


def test_failed_log_ins_lock_the_account_with_a_growing_delay_recorded_in_the_audit_log(live):
    """Defect 9, second half: a guesser rotating addresses is not stopped by a per-client limit; the
    account itself refuses sign-in after LOCK_AFTER failures in a row, even with the right password."""
    from claims.accounts import LOCK_AFTER
    from tests.web.test_pages import EDITOR, HTML, PASSWORD, get_page

    def attempt(password: str, forwarded_for: str) -> httpx.Response:
        with httpx.Client(base_url=live.url, timeout=10) as browser:
            token = get_page(browser, "/login").find("input", name="csrf_token")[0]["value"]
            form = {"name": EDITOR, "password": password, "csrf_token": token, "next": "/"}
            headers = {**HTML, "x-forwarded-for": forwarded_for}
            return browser.post("/login", data=form, headers=headers, follow_redirects=False)

    answers = [attempt("a wrong guess", f"10.0.0.{n}").status_code for n in range(LOCK_AFTER)]
    assert answers == [401] * LOCK_AFTER
    locked = attempt(PASSWORD, "10.0.1.1")
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert "locked" in locked.text and "session" not in locked.cookies
    audit = live.editor.get("/api/audit", params={"target": f"user:{EDITOR}"}).json()["items"]
    locks = [entry["detail"]["failures"] for entry in audit if entry["action"] == "user.lock"]
    assert locks == [LOCK_AFTER]


def test_a_rejected_submission_leaves_only_its_number_on_the_claim_page(live, claim_id):
    """Defect 2: the claim's set-aside record showed a rejected submission's words and source to all."""
    body = {"stance": "disputes", "quote": "Words an editor turned down.",
            "source_title": "A rejected letter"}
    held = live.reader.post(f"/api/claims/{claim_id}/evidence", json=body).json()
    assert live.editor.post(f"/api/evidence/{held['id']}/reject", json={"comment": "no"}).status_code == 200
    for client in (live.client, live.reader):
        view = client.get(f"/api/claims/{claim_id}")
        page = client.get(f"/claims/{claim_id}", headers={"accept": "text/html"}).text
        assert view.json()["rejected_count"] == 1 and "1 submission rejected by an editor" in page
        for words in (body["quote"], body["source_title"]):
            assert words not in view.text and words not in page
    from tests.web.test_pages import log_in

    editor = httpx.Client(base_url=live.url, timeout=10)
    log_in(editor)
    assert body["quote"] in editor.get(f"/claims/{claim_id}", headers={"accept": "text/html"}).text


def test_held_evidence_in_a_public_document_is_not_shown_until_accepted(live):
    """Defect 2: a reader's pending passage in an ingested article was highlighted for everyone."""
    document = live.client.get("/api/sources").json()[0]
    text = live.client.get(f"/api/sources/{document['id']}").json()["text"]
    quote = text.strip().split("\n")[-1][:80].strip()
    claim = live.client.get("/api/claims").json()["items"][0]["id"]
    body = {"stance": "disputes", "quote": quote, "source_id": document["id"], "note": "a private note"}
    held = live.reader.post(f"/api/claims/{claim}/evidence", json=body)
    assert held.status_code == 202, held.text

    def shown(client) -> bool:
        data = client.get(f"/api/sources/{document['id']}").json()
        return held.json()["id"] in {e["id"] for e in data["evidence"]}

    assert not shown(live.client) and not shown(live.reader) and shown(live.editor)


def test_sources_and_entities_are_paged_in_the_api_and_on_their_pages(live):
    """Defect 2: /sources and /api/sources (and /entities) answered everything at once."""
    for kind in ("sources", "entities"):
        everything = live.client.get(f"/api/{kind}", params={"per_page": 500})
        total = int(everything.headers["x-total-count"])
        assert total == len(everything.json()) > 3
        pages = [live.client.get(f"/api/{kind}", params={"per_page": 2, "page": n}) for n in (1, 2)]
        assert [len(p.json()) for p in pages] == [2, 2]
        assert [i["id"] for p in pages for i in p.json()] == [i["id"] for i in everything.json()[:4]]
        links = pages[1].headers["link"]
        assert 'per_page=2&page=3>; rel="next"' in links and 'page=1>; rel="prev"' in links
        assert f'page={-(-total // 2)}>; rel="last"' in links
        assert live.client.get(f"/api/{kind}", params={"per_page": 501}).status_code == 422
        html = live.client.get(f"/{kind}", params={"per_page": 2, "page": 2}, headers={"accept": "text/html"})
        assert html.status_code == 200 and f"Page 2 of {-(-total // 2)}" in html.text
        assert f'href="/{kind}/{pages[1].json()[0]["id"]}"' in html.text
        past = live.client.get(f"/{kind}", params={"page": 999}, headers={"accept": "text/html"})
        assert past.status_code == 404


def test_the_moderation_queue_is_paged_and_counts_everything_held(live, claim_id):
    """Defect 2, 'every list is paged': the queue showed its first 200 and called that the total."""
    held = [pending_evidence(live, claim_id) for _ in range(3)]
    first = live.editor.get("/api/moderation", params={"per_page": 2}).json()
    second = live.editor.get("/api/moderation", params={"per_page": 2, "page": 2}).json()
    assert first["total"] == second["total"] >= 3 and len(first["items"]) == 2
    pages = [live.editor.get("/api/moderation", params={"per_page": 2, "page": n}).json()["items"]
             for n in range(1, -(-first["total"] // 2) + 1)]
    seen = [item["id"] for page in pages for item in page]
    assert len(seen) == len(set(seen)) == first["total"] and set(held) <= set(seen)  # each once, none lost
    assert live.editor.get("/api/moderation", params={"per_page": 501}).status_code == 422
