"""Full-text search over claims (the `q` filter): FTS5 on SQLite, tsvector on PostgreSQL, alike."""

from sqlmodel import select

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
