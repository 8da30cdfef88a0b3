"""Hostile clients against a real server: oversized bodies (413), floods of writes (429), hardening headers,
and script injection that must stay text in a real browser."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator

import pytest

from tests.web.conftest import running_server
from web.csrf import FIELD
from web.limits import RateLimiter
from web.render import TEMPLATES
from web.settings import Settings

DEFAULT_LIMIT = Settings(database_url="sqlite://").max_body_bytes
HTML = {"accept": "text/html"}
EVIDENCE = {
    "stance": "supports",
    "quote": "A quote that fits easily.",
    "source_title": "Some title",
}


def chunks(total: int, size: int = 16 * 1024) -> Iterator[bytes]:
    """A body of ``total`` bytes sent in chunks, with no Content-Length (chunked transfer encoding)."""
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        yield b"x" * piece
        sent += piece


def evidence_count(client, claim_id: str) -> int:
    return len(client.get(f"/api/claims/{claim_id}").json()["evidence"])


@pytest.fixture()
def claim_id(live) -> str:
    return live.client.get("/api/claims").json()["items"][0]["id"]


def assert_413_json(response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert set(response.json()) == {"detail"}
    assert str(DEFAULT_LIMIT) in response.json()["detail"]


def test_a_declared_oversized_json_body_is_413_and_nothing_is_written(live, claim_id):
    before = evidence_count(live.client, claim_id)
    body = {**EVIDENCE, "note": "n" * (DEFAULT_LIMIT + 10)}
    response = live.editor.post(f"/api/claims/{claim_id}/evidence", json=body)
    assert response.request.headers["content-length"] == str(len(response.request.content))
    assert_413_json(response)
    assert evidence_count(live.client, claim_id) == before
    # the connection is still good for the next request
    assert live.client.get("/api/overview").status_code == 200


def test_a_streamed_oversized_json_body_is_413_as_it_arrives(live, claim_id):
    before = evidence_count(live.client, claim_id)
    response = live.editor.post(
        f"/api/claims/{claim_id}/evidence",
        content=chunks(DEFAULT_LIMIT + 1),
        headers={"content-type": "application/json"},
    )
    assert "content-length" not in response.request.headers  # really chunked
    assert_413_json(response)
    assert evidence_count(live.client, claim_id) == before


def test_a_body_just_under_the_limit_is_read(live, claim_id):
    # valid JSON padded with spaces to the limit: read in full, then judged on its fields (note too long)
    body = b'{"stance": "supports", "quote": "q", "source_title": "t", "note": "' + b"n" * 3000 + b'"}'
    body += b" " * (DEFAULT_LIMIT - len(body))
    response = live.editor.post(
        f"/api/claims/{claim_id}/evidence", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "note"


@pytest.mark.parametrize("streamed", [False, True], ids=["declared", "chunked"])
def test_an_oversized_form_gets_a_413_page(live, claim_id, streamed):
    before = evidence_count(live.client, claim_id)
    headers = {**HTML, "content-type": "application/x-www-form-urlencoded"}
    if streamed:
        content = (part for part in [b"stance=supports&quote=", *chunks(DEFAULT_LIMIT + 1)])
    else:
        content = b"stance=supports&quote=" + b"q" * DEFAULT_LIMIT
    response = live.client.post(f"/claims/{claim_id}/evidence", content=content, headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert f"larger than the limit of {DEFAULT_LIMIT} bytes" in response.text
    assert evidence_count(live.client, claim_id) == before


@pytest.fixture()
def strict(seeded_db):
    """A server allowing three writes at once, then two a second."""
    with running_server(seeded_db, write_burst=3, write_rate=2.0) as server:
        yield server


def test_writes_past_the_burst_get_429_with_retry_after(strict):
    client = strict.editor
    claim_id = client.get("/api/claims").json()["items"][0]["id"]
    url = f"/api/claims/{claim_id}/evidence"
    codes = [client.post(url, json={**EVIDENCE, "quote": f"Quote number {i}."}).status_code for i in range(3)]
    assert codes == [201, 201, 201]
    refused = client.post(url, json={**EVIDENCE, "quote": "One too many."})
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/json")
    assert "too many writes" in refused.json()["detail"]
    assert refused.headers["retry-after"] == "1"
    # a form post counts against the same bucket and gets the error page
    page = client.post(f"/claims/{claim_id}/evidence", data={"stance": "supports"}, headers=HTML)
    assert page.status_code == 429 and page.headers["retry-after"] == "1" and "too many writes" in page.text
    # reads are never limited
    assert all(client.get(f"/api/claims/{claim_id}").status_code == 200 for _ in range(10))
    evidence = client.get(f"/api/claims/{claim_id}").json()["evidence"]
    assert not any("One too many" in e["quote"] for e in evidence)
    time.sleep(int(refused.headers["retry-after"]))
    assert client.post(url, json={**EVIDENCE, "quote": "After waiting."}).status_code == 201


def test_the_limits_are_documented_on_write_operations(api):
    operations = api.get("/openapi.json").json()["paths"]["/api/claims/{claim_id}/evidence"]
    assert {"413", "429"} <= set(operations["post"]["responses"])
    assert "429" not in api.get("/openapi.json").json()["paths"]["/api/claims"]["get"]["responses"]


def test_the_limiter_forgets_the_least_recent_client_first():
    limiter = RateLimiter(rate=0.001, burst=1, max_keys=100)
    for i in range(1000):
        limiter.wait(f"10.0.{i // 256}.{i % 256}", now=0.0)
    keys = limiter.keys()
    assert len(keys) == 100 and keys[0] == "10.0.3.132" and keys[-1] == "10.0.3.231"


def test_the_limiter_allows_exactly_the_burst_from_many_threads():
    limiter = RateLimiter(rate=1e-9, burst=50, max_keys=10)
    allowed: list[int] = []

    def hammer() -> None:
        allowed.append(sum(limiter.wait("one client") == 0 for _ in range(2000)))

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(allowed) == 50


HARDENING = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "referrer-policy": "same-origin",
}


@pytest.mark.parametrize("path", ["/", "/claims", "/api/claims", "/static/style.css", "/nowhere"])
def test_every_response_carries_the_hardening_headers(site, path):
    response = site.client.get(path, headers=HTML)
    for name, value in HARDENING.items():
        assert response.headers.get(name) == value, (path, name)
    assert "camera=()" in response.headers["permissions-policy"]
    csp = response.headers["content-security-policy"]
    policy = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert policy["script-src"] == "'self'" and policy["object-src"] == "'none'"
    assert "strict-transport-security" not in response.headers  # plain http


def test_refusals_carry_the_headers_too(live, claim_id):
    response = live.editor.post(f"/api/claims/{claim_id}/evidence", content=chunks(DEFAULT_LIMIT + 1))
    assert response.status_code == 413 and response.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_hsts_only_over_https(site):
    # uvicorn trusts X-Forwarded-Proto from a proxy on loopback, as behind a TLS-terminating proxy
    response = site.client.get("/", headers={"x-forwarded-proto": "https"})
    assert response.headers["strict-transport-security"].startswith("max-age=")


# no ";" in it: asserters are split on semicolons (one name each), which would change the shown text
XSS = '<script>window.__xss=1</script><img src=x onerror="alert(window.__xss=2)">'


@pytest.mark.browser
@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "escaping-alone"])
def test_script_injection_is_shown_as_text_and_never_runs(live, browser, bypass_csp):
    """Every field a person types is text on the claim, source and search pages; nothing they type runs.

    Run once more with the browser ignoring our CSP: escaping alone must be enough.
    """
    claim_id = live.client.get("/api/claims").json()["items"][0]["id"]
    body = {
        "stance": "disputes",
        "quote": f"Quote {XSS} end of quote.",
        "source_title": f"Title {XSS}",
        "asserted_by": f"Asserter {XSS}",
        "note": f"Note {XSS}",
    }
    created = live.editor.post(f"/api/claims/{claim_id}/evidence", json=body)
    assert created.status_code == 201, created.text
    evidence_id, source_id = created.json()["id"], created.json()["source"]["id"]

    context = browser.new_context(bypass_csp=bypass_csp)
    page = context.new_page()
    page.set_default_timeout(5000)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        pages = {
            f"/claims/{claim_id}": [
                f"Quote {XSS} end of quote.", f"Title {XSS}", f"Asserter {XSS}", f"Note {XSS}"
            ],
            f"/sources/{source_id}?evidence={evidence_id}": [f"Title {XSS}", f"Quote {XSS} end of quote."],
            f"/claims?q={XSS}": [],
            f"/claims?asserted_by={XSS}": [],
        }
        for path, texts in pages.items():
            page.goto(live.url + path)
            page.wait_for_load_state("load")
            assert page.evaluate("window.__xss") is None and dialogs == [], path
            assert page.locator("main script, main img[src='x']").count() == 0, path
            shown = page.locator("main").inner_text()
            for text in texts:
                assert text in shown, (path, text)
    finally:
        context.close()


def test_every_form_that_posts_carries_the_csrf_token():
    forms = [
        (path.name, match.group(0))
        for path in TEMPLATES.rglob("*.html")
        for match in re.finditer(r"<form\b.*?</form>", path.read_text(encoding="utf-8"), re.S)
    ]
    posting = [(name, form) for name, form in forms if re.search(r"""method=["']?post""", form, re.I)]
    assert posting, "the evidence form at least posts"
    for name, form in posting:
        assert f'name="{FIELD}"' in form, name


def test_serve_refuses_a_limit_it_cannot_read(monkeypatch, capsys, tmp_path):
    from claims.cli import main

    monkeypatch.setenv("CLAIMS_WRITE_BURST", "lots")
    assert main(["--db", str(tmp_path / "claims.db"), "serve"]) == 2
    assert "CLAIMS_WRITE_BURST must be a whole number, not 'lots'" in capsys.readouterr().err
