"""Origins and asserters stored by refresh beside each status: equal to counting evidence, used by views."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session, select

from claims.analysis import evidence_facts
from claims.db import session_scope
from claims.evidence import EvidenceSubmission, add_evidence
from claims.models import Claim
from claims.queries import claim_digests
from claims.status import claim_digest
from claims.views import claim_view, dispute_groups


def _views(engine) -> dict:
    with Session(engine) as session:
        ids = sorted(session.exec(select(Claim.id)).all())
        return {"claims": {cid: claim_view(session, claim_id=cid) for cid in ids},
                "disputes": dispute_groups(session)}


def test_every_claim_carries_the_origins_and_asserters_its_evidence_gives(seeded_engine):
    with Session(seeded_engine) as session:
        claims = session.exec(select(Claim)).all()
        facts = evidence_facts(session, [c.id for c in claims])
    assert claims and all(c.origins is not None and c.asserters is not None for c in claims)
    for claim in claims:
        assert (claim.origins, claim.asserters) == claim_digest(facts.get(claim.id, ()))
    # the seeds hold claims asserted by several parties and claims with origins on both sides
    assert any(len(c.asserters) > 1 for c in claims)
    assert any(c.origins["for"] for c in claims)


def test_views_are_the_same_when_the_stored_digests_are_missing(seeded_engine):
    stored = _views(seeded_engine)
    assert any(len(v["spread"]) > 1 for v in stored["claims"].values()) and stored["disputes"]
    with seeded_engine.begin() as conn:  # as in a database migrated from before they were stored
        conn.execute(text("UPDATE claim SET origins = NULL, asserters = NULL"))
    assert _views(seeded_engine) == stored


def test_new_evidence_updates_the_stored_digest_of_its_claim(seeded_engine, vocabulary):
    with Session(seeded_engine) as session:
        claim = session.exec(select(Claim).where(Claim.metric == "gpu_count").order_by(Claim.id)).first()
        assert claim is not None and "Ada Newparty" not in claim.asserters
        quote_source = claim.statement
    with session_scope(seeded_engine) as session:
        submission = EvidenceSubmission(stance="disputes", quote=quote_source, source_title="A rebuttal",
                                        asserted_by="Ada Newparty")
        add_evidence(session, claim_id=claim.id, submission=submission, added_by=None, vocabulary=vocabulary)
    with Session(seeded_engine) as session:
        fresh = session.get(Claim, claim.id)
        assert fresh is not None
        assert "Ada Newparty" in fresh.asserters and "Ada Newparty" in fresh.origins["against"]
        assert claim_digests(session, claims=[fresh])[fresh.id] == (fresh.origins, fresh.asserters)
