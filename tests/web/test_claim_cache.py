"""GET /api/claims/{id} answers from a cache of serialized views: ETags, 304s, and never a stale claim."""

from __future__ import annotations

from sqlalchemy import text

from claims.db import make_engine, session_scope
from tests.databases import url_for
from web.viewcache import ViewCache


def test_a_claim_carries_an_etag_and_if_none_match_gives_304(api):
    claim_id = api.get("/api/claims").json()["items"][0]["id"]
    first = api.get(f"/api/claims/{claim_id}")
    again = api.get(f"/api/claims/{claim_id}")
    assert first.status_code == again.status_code == 200
    assert first.headers["content-type"] == "application/json"
    assert first.content == again.content and first.headers["etag"] == again.headers["etag"]
    assert first.json()["id"] == claim_id
    unchanged = api.get(f"/api/claims/{claim_id}", headers={"If-None-Match": first.headers["etag"]})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["etag"] == first.headers["etag"]
    other = api.get(f"/api/claims/{claim_id}", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content


def test_a_change_committed_by_another_process_is_seen_at_once(live):
    """Another connection (as `claims ingest` or `claims refresh` in another process) rewrites the claim."""
    api = live.client
    claim_id = api.get("/api/claims").json()["items"][0]["id"]
    before = api.get(f"/api/claims/{claim_id}")
    assert api.get(f"/api/claims/{claim_id}").headers["etag"] == before.headers["etag"]  # cached
    engine = make_engine(url_for(live.db_path))
    try:
        with session_scope(engine) as session:
            session.execute(text("UPDATE claim SET note = 'changed elsewhere' WHERE id = :id"),
                            {"id": claim_id})
    finally:
        engine.dispose()
    after = api.get(f"/api/claims/{claim_id}", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.json()["note"] == "changed elsewhere"
    assert after.headers["etag"] != before.headers["etag"]


def test_evidence_posted_through_the_api_shows_in_the_next_answer(live):
    api = live.editor
    claim_id = api.get("/api/claims").json()["items"][0]["id"]
    before = api.get(f"/api/claims/{claim_id}").json()
    quote = "An analyst counted 123,456 GPUs in the cluster."
    body = {"stance": "disputes", "quote": quote, "source_title": "Cache test", "asserted_by": "Analyst"}
    created = api.post(f"/api/claims/{claim_id}/evidence", json=body)
    assert created.status_code == 201, created.text
    after = api.get(f"/api/claims/{claim_id}").json()
    assert len(after["evidence"]) == len(before["evidence"]) + 1
    assert after["evidence"][-1]["id"] == created.json()["id"]


def test_an_unknown_claim_is_still_404_and_not_cached(api):
    for _ in range(2):
        response = api.get("/api/claims/c-nope")
        assert response.status_code == 404 and set(response.json()) == {"detail"}


def test_the_cache_keeps_within_its_bytes_and_drops_everything_on_a_new_version():
    version = [1]
    cache = ViewCache(lambda: version[0], max_bytes=25)
    built: list[str] = []

    def build(key: str) -> bytes:
        built.append(key)
        return key.encode() * 10

    for key in ("a", "b", "a", "c"):  # 10 bytes each: two fit; c evicts the least recently used, b
        cache.get_or_build(key, lambda key=key: build(key))
    assert built == ["a", "b", "c"] and len(cache) == 2 and cache.size_bytes == 20
    cache.get_or_build("a", lambda: build("a"))
    assert built == ["a", "b", "c"]  # still cached
    cache.get_or_build("b", lambda: build("b"))
    assert built[-1] == "b"  # was evicted
    version[0] = 2
    entry = cache.get_or_build("b", lambda: build("b"))
    assert built[-2:] == ["b", "b"] and len(cache) == 1 and entry is not None
    assert cache.get_or_build("x", lambda: None) is None


def test_without_a_data_version_nothing_is_kept():
    cache = ViewCache(lambda: None)
    calls = []
    for _ in range(3):
        cache.get_or_build("a", lambda: calls.append(1) or b"{}")
    assert len(calls) == 3 and len(cache) == 0


def test_peek_answers_only_what_was_built_under_the_current_version():
    version = [1]
    cache = ViewCache(lambda: version[0])
    assert cache.peek("a") is None
    built = cache.get_or_build("a", lambda: b'{"a": 1}')
    assert cache.peek("a") == built and cache.hits == 1
    version[0] = 2
    assert cache.peek("a") is None and len(cache) == 0
