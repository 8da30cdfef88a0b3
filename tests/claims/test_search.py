"""Full-text search over claims (the `q` filter): FTS5 on SQLite, tsvector on PostgreSQL, alike."""

import pytest
from sqlalchemy import text
from sqlmodel import select

from claims import store
from claims.db import session_scope
from claims.evidence import EvidenceSubmission, add_evidence
from claims.models import Claim
from claims.store import list_claims, reindex_search


def ids_for(engine, q):
    with session_scope(engine) as session:
        items, total = list_claims(session, q=q, per_page=100)
        return {c.id for c in items}, total


def test_search_stems_words_and_needs_every_word(seeded_engine):
    hoppers, total = ids_for(seeded_engine, "Hoppers")
    assert total > 0 and hoppers == ids_for(seeded_engine, "hopper")[0]  # stemmed, case-folded
    both, _ = ids_for(seeded_engine, "GPUs Hopper")
    assert both and both <= hoppers  # every word must match
    assert ids_for(seeded_engine, "Hopper zzqqxx")[1] == 0


def test_search_reaches_quotes_and_asserters_not_only_statements(seeded_engine):
    found, total = ids_for(seeded_engine, "Alexandr Wang")
    assert total > 0
    with session_scope(seeded_engine) as session:
        statements = session.exec(select(Claim.statement).where(Claim.id.in_(found))).all()
    assert not any("Wang" in s for s in statements)  # found through evidence, not the statement


def test_added_evidence_is_searchable_at_once_and_reindex_is_repeatable(seeded_engine, vocabulary):
    assert ids_for(seeded_engine, "quokkas")[1] == 0
    with session_scope(seeded_engine) as session:
        claim = session.exec(select(Claim).where(Claim.metric == "gpu_count")).first()
        add_evidence(session, claim_id=claim.id, added_by="tester", vocabulary=vocabulary,
                     submission=EvidenceSubmission(stance="disputes", quote="Counted by quokkas: 3 GPUs.",
                                                   source_title="Field notes"))
    assert ids_for(seeded_engine, "quokka") == ({claim.id}, 1)
    with session_scope(seeded_engine) as session:
        every = session.exec(select(Claim.id)).all()
        assert reindex_search(session, claim_ids=every) == len(every)
    assert ids_for(seeded_engine, "quokka") == ({claim.id}, 1)
    assert ids_for(seeded_engine, "Hoppers")[1] > 0


def in_list_order(session, ids):
    """These claims in the order of the plain list (no search): the order a search must keep."""
    wanted = set(ids)
    return [c.id for c in list_claims(session, per_page=1_000_000)[0] if c.id in wanted]


@pytest.mark.parametrize("ordered_scan_from", [1, 1_000_000])  # both ways a search pages on SQLite
def test_search_pages_keep_the_list_order_and_follow_status_changes(seeded_engine, monkeypatch,
                                                                    ordered_scan_from):
    monkeypatch.setattr(store, "ORDERED_SCAN_FROM", ordered_scan_from)
    with session_scope(seeded_engine) as session:
        everything, total = list_claims(session, q="GPUs", per_page=1000)
        ids = [c.id for c in everything]
        assert total == len(ids) > 6 and ids == in_list_order(session, ids)
        paged = [c.id for p in (1, 2, 3) for c in list_claims(session, q="GPUs", page=p, per_page=2)[0]]
        assert paged == ids[:6]
        assert list_claims(session, q="GPUs", page=1000, per_page=2) == ([], total)
        metric = everything[0].metric
        narrowed, count = list_claims(session, q="GPUs", metric=metric, per_page=1000)
        assert [c.id for c in narrowed] == [c.id for c in everything if c.metric == metric]
        assert count == len(narrowed)
        last = next(c for c in reversed(everything) if c.status != "disputed")
        # a status written by another writer (a refresh in another process), not through our code
        session.execute(text("UPDATE claim SET status = 'disputed' WHERE id = :id"), {"id": last.id})
    with session_scope(seeded_engine) as session:
        disputed, _ = list_claims(session, q="GPUs", status="disputed", per_page=1000)
        assert last.id in {c.id for c in disputed} and all(c.status == "disputed" for c in disputed)
        after = [c.id for c in list_claims(session, q="GPUs", per_page=1000)[0]]
        assert after == in_list_order(session, after) and after.index(last.id) < ids.index(last.id)
