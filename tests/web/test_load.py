"""Concurrent writers against a real server: nothing lost, nothing doubled, no 500 (a small load_evidence)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bench.load_evidence import run_load
from tests.web.conftest import running_server

pytestmark = pytest.mark.slow


def test_ten_clients_posting_thirty_each_lose_and_double_nothing(sqlite_only, seeded_db):
    # the load script checks the stored rows in the SQLite file itself; PostgreSQL has the test below
    result = run_load(seeded_db, clients=10, total=300, token=None, write_rate=1000, write_burst=100)
    assert result["problems"] == []
    assert result["accepted"] == result["stored"] == 300
    assert set(result["answers"]) <= {201, 429}


def test_a_tight_rate_limit_delays_but_loses_nothing(sqlite_only, seeded_db):
    # all clients share 127.0.0.1's bucket: many posts meet a 429 first and go again after Retry-After
    # five clients spend the burst at once; the sixth post comes long before a token is back (0.25 s)
    result = run_load(seeded_db, clients=5, total=20, token=None, write_rate=4, write_burst=5)
    assert result["problems"] == []
    assert result["answers"][429] > 0 and result["answers"][201] == 20


def test_the_same_evidence_posted_at_once_by_many_is_one_source_and_no_500(seeded_db):
    """Regression: identical posts at once all read "no such source", then all inserted it (a 500)."""
    with running_server(seeded_db, write_rate=0) as server:
        claim_id = server.client.get("/api/claims").json()["items"][0]["id"]
        body = {"stance": "supports", "quote": "Said twice at once.", "source_title": "Double post",
                "source_url": "https://example.org/double"}

        def post(_: int) -> int:
            with httpx.Client(base_url=server.url, timeout=30, headers=dict(server.editor.headers)) as client:
                return client.post(f"/api/claims/{claim_id}/evidence", json=body).status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            codes = list(pool.map(post, range(24)))
        assert codes == [201] * 24
        evidence = server.client.get(f"/api/claims/{claim_id}").json()["evidence"]
        sources = {e["source"]["id"] for e in evidence if e["quote"] == body["quote"]}
        assert len(sources) == 1 and sum(e["quote"] == body["quote"] for e in evidence) == 24
