"""Accounts, tokens, moderation and status history on a real SQLite file built by the production ingest."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, func, select

from claims.accounts import (
    authenticate,
    create_user,
    ensure_admin,
    issue_token,
    revoke_token,
    user_for_token,
)
from claims.audit import entries, status_history
from claims.db import session_scope
from claims.errors import Conflict, InvalidInput
from claims.evidence import EvidenceSubmission, add_evidence
from claims.models import ApiToken, AuditEntry, Claim, StatusChange, User
from claims.moderation import pending_count, retract_evidence, review_evidence
from tests.conftest import SEEDS, ingest_into

PASSWORD = "a long enough password"
DISPUTE = EvidenceSubmission(
    stance="disputes", quote="Not so.", source_title="A reply", asserted_by="A Critic"
)


def test_passwords_are_stored_as_argon2_hashes_and_checked(empty_engine):
    with session_scope(empty_engine) as s:
        user = create_user(s, name="ann", role="editor", password=PASSWORD, actor="test")
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
        assert authenticate(s, name="ann", password=PASSWORD) is not None
        assert authenticate(s, name="ann", password=PASSWORD + "x") is None
        assert authenticate(s, name="nobody", password=PASSWORD) is None
        user.disabled = True
        assert authenticate(s, name="ann", password=PASSWORD) is None


@pytest.mark.parametrize(
    "name, role, password, field",
    [
        ("ann lee", "editor", PASSWORD, "name"),
        ("ann", "owner", PASSWORD, "role"),
        ("ann", "editor", "short", "password"),
    ],
)
def test_bad_accounts_are_refused_with_the_field(empty_engine, name, role, password, field):
    with session_scope(empty_engine) as s, pytest.raises(InvalidInput) as info:
        create_user(s, name=name, role=role, password=password, actor="test")
    assert info.value.field == field


def test_a_name_is_taken_once(empty_engine):
    with session_scope(empty_engine) as s:
        create_user(s, name="ann", role="editor", password=PASSWORD, actor="test")
        with pytest.raises(Conflict):
            create_user(s, name="ann", role="reader", password=PASSWORD, actor="test")


def test_tokens_are_stored_as_hashes_and_can_be_revoked(empty_engine):
    with session_scope(empty_engine) as s:
        user = create_user(s, name="bot", role="reader", password=PASSWORD, actor="test")
        token, raw = issue_token(s, user=user, label="script")
        assert token.token_hash != raw and raw not in token.token_hash
        assert raw not in str(s.exec(select(ApiToken.token_hash, ApiToken.label)).all())
        assert user_for_token(s, raw=raw, kind="api").name == "bot"
        assert token.last_used_at is not None
        assert user_for_token(s, raw=raw, kind="session") is None  # an API token is no login session
        assert revoke_token(s, raw=raw) and not revoke_token(s, raw=raw)
        assert user_for_token(s, raw=raw, kind="api") is None
        assert s.get(ApiToken, token.id).revoked_at is not None  # kept on record


def test_ensure_admin_creates_one_admin_and_shows_its_password_once(empty_engine):
    with session_scope(empty_engine) as s:
        password = ensure_admin(s)
        assert password and authenticate(s, name="admin", password=password).role == "admin"
        assert ensure_admin(s) is None
        assert s.exec(select(func.count()).select_from(User)).one() == 1


def _corroborated(s) -> Claim:
    return s.exec(select(Claim).where(Claim.status == "corroborated").order_by(col(Claim.id))).first()


def test_pending_evidence_changes_nothing_until_accepted(seeded_engine, vocabulary):
    with session_scope(seeded_engine) as s:
        claim = _corroborated(s)
        reasons = list(claim.reasons)
        history = len(status_history(s, claim_id=claim.id))
        evidence, outcome = add_evidence(
            s,
            claim_id=claim.id,
            submission=DISPUTE,
            added_by="reader1",
            vocabulary=vocabulary,
            review="pending",
        )
        assert outcome.statuses_changed == 0 and pending_count(s) == 1
        s.refresh(claim)
        assert (claim.status, claim.reasons) == ("corroborated", reasons)
        assert len(status_history(s, claim_id=claim.id)) == history
        decision = review_evidence(
            s, evidence_id=evidence.id, accept=True, reviewer="ed", comment=None, vocabulary=vocabulary
        )
        assert (decision.previous_status, decision.status) == ("corroborated", "disputed")
        change = status_history(s, claim_id=claim.id)[-1]
        assert (change.cause, change.evidence_id, change.actor) == ("review", evidence.id, "ed")
        actions = [e.action for e in entries(s, target_kind="evidence", target_id=evidence.id)]
        assert actions == ["evidence.accept", "evidence.add"]


def test_retraction_keeps_the_evidence_and_restores_the_status(seeded_engine, vocabulary):
    with session_scope(seeded_engine) as s:
        claim = _corroborated(s)
        evidence, _ = add_evidence(
            s, claim_id=claim.id, submission=DISPUTE, added_by="ed", vocabulary=vocabulary
        )
        s.refresh(claim)
        assert claim.status == "disputed"
        with pytest.raises(InvalidInput):
            retract_evidence(s, evidence_id=evidence.id, reviewer="ed", reason=" ", vocabulary=vocabulary)
        decision = retract_evidence(
            s, evidence_id=evidence.id, reviewer="ed", reason="misquoted", vocabulary=vocabulary
        )
        assert decision.status == "corroborated" and decision.evidence.review == "retracted"
        with pytest.raises(Conflict):
            review_evidence(
                s, evidence_id=evidence.id, accept=True, reviewer="ed", comment=None, vocabulary=vocabulary
            )


def test_ingest_records_status_history_once_and_a_second_ingest_writes_none(seeded_db, extractor, vocabulary):
    from claims.db import make_engine
    from tests.databases import url_for

    engine = make_engine(url_for(seeded_db))
    with session_scope(engine) as s:
        changes = s.exec(select(StatusChange)).all()
        sources = s.exec(select(AuditEntry).where(AuditEntry.action == "source.ingest")).all()
        counts = (len(changes), s.exec(select(func.count()).select_from(AuditEntry)).one())
    assert changes and {(c.cause, c.actor) for c in changes} == {("ingest", "ingest")}
    assert all(c.from_status != c.to_status for c in changes)
    assert len(sources) == len(list(SEEDS.glob("*.txt")))
    engine.dispose()
    engine, report = ingest_into(seeded_db, [SEEDS], extractor, vocabulary)
    with session_scope(engine) as s:
        again = (
            s.exec(select(func.count()).select_from(StatusChange)).one(),
            s.exec(select(func.count()).select_from(AuditEntry)).one(),
        )
    engine.dispose()
    assert report.documents_unchanged and again == counts


def test_failed_sign_ins_lock_the_account_for_a_growing_delay_in_the_audit_log(empty_engine):
    from datetime import timedelta

    from claims.accounts import LOCK_AFTER, AccountLocked, lock_delay, unlock

    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    with session_scope(empty_engine) as s:
        create_user(s, name="ann", role="editor", password=PASSWORD, actor="test")
        for _ in range(LOCK_AFTER - 1):
            assert authenticate(s, name="ann", password="wrong guess", now=start) is None
        assert authenticate(s, name="ann", password=PASSWORD, now=start) is not None  # resets the count
        for _ in range(LOCK_AFTER):
            assert authenticate(s, name="ann", password="wrong guess", now=start) is None
        with pytest.raises(AccountLocked) as locked:  # even the right password, while locked
            authenticate(s, name="ann", password=PASSWORD, now=start + timedelta(seconds=10))
        first = lock_delay(LOCK_AFTER)
        assert first is not None and locked.value.retry_after == int(first.total_seconds()) - 10
        later = start + first + timedelta(seconds=1)
        assert authenticate(s, name="ann", password="wrong again", now=later) is None  # one more failure ...
        with pytest.raises(AccountLocked) as longer:  # ... locks it for twice as long
            authenticate(s, name="ann", password=PASSWORD, now=later)
        assert longer.value.retry_after == 2 * int(first.total_seconds())
        locks = s.exec(select(AuditEntry).where(AuditEntry.action == "user.lock")).all()
        assert [e.detail["failures"] for e in locks] == [LOCK_AFTER, LOCK_AFTER + 1]
        unlock(s, name="ann", actor="test")
        assert authenticate(s, name="ann", password=PASSWORD, now=later) is not None
