"""Adding evidence by people: validate, append (never edit in place), audit, and recompute statuses."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlmodel import Session

from claims.analysis import RefreshResult, refresh
from claims.audit import StatusCause, record
from claims.errors import InvalidInput, NotFound
from claims.models import STANCES, Evidence, utcnow
from claims.store import add_submitted_source, append_evidence, get_claim, get_source, reindex_search
from claims.vocabulary import Vocabulary

__all__ = [
    "EvidenceSubmission", "validate_submission", "add_evidence",
    "MAX_QUOTE", "MAX_TITLE", "MAX_NOTE", "MAX_URL",
]

MAX_QUOTE = 5000
MAX_TITLE = 300
MAX_NOTE = 2000
MAX_NAME = 200
MAX_URL = 1000
_URL = re.compile(r"https?://[^\s<>\"']{3,2000}", re.I)


@dataclass(frozen=True)
class EvidenceSubmission:
    """What a person submits: stance, quote, a source (new or existing), who asserts it, a note."""

    stance: str
    quote: str
    source_title: str | None = None
    source_url: str | None = None
    source_id: str | None = None
    asserted_by: str | None = None
    note: str | None = None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def validate_submission(sub: EvidenceSubmission) -> dict[str, str]:
    """Field name -> message for every problem; empty when the submission is acceptable.

    >>> validate_submission(EvidenceSubmission(stance="maybe", quote=""))["stance"]
    "stance must be 'supports' or 'disputes', not 'maybe'"
    """
    errors: dict[str, str] = {}
    if sub.stance not in STANCES:
        errors["stance"] = f"stance must be 'supports' or 'disputes', not {sub.stance!r}"
    quote = _clean(sub.quote)
    if not quote:
        errors["quote"] = "quote is required: paste the exact words from the source"
    elif len(quote) > MAX_QUOTE:
        errors["quote"] = f"quote is {len(quote)} characters; the limit is {MAX_QUOTE}"
    title, url, source_id = _clean(sub.source_title), _clean(sub.source_url), _clean(sub.source_id)
    if not source_id and not title:
        errors["source_title"] = "give the source's title (or choose an existing source)"
    elif title and len(title) > MAX_TITLE:
        errors["source_title"] = f"title is {len(title)} characters; the limit is {MAX_TITLE}"
    for name, value in vars(sub).items():
        if isinstance(value, str) and "\x00" in value:
            errors.setdefault(name, f"{name} contains a NUL (\\x00) character; remove it")
    if url and len(url) > MAX_URL:
        errors.setdefault("source_url", f"address is {len(url)} characters; the limit is {MAX_URL}")
    elif url and not _URL.fullmatch(url):
        errors["source_url"] = f"{url[:80]!r} is not an http(s) address"
    if sub.asserted_by and len(sub.asserted_by) > MAX_NAME:
        errors["asserted_by"] = f"name is {len(sub.asserted_by)} characters; the limit is {MAX_NAME}"
    if sub.note and len(sub.note) > MAX_NOTE:
        errors["note"] = f"note is {len(sub.note)} characters; the limit is {MAX_NOTE}"
    return errors


def add_evidence(
    session: Session,
    *,
    claim_id: str,
    submission: EvidenceSubmission,
    added_by: str | None,
    vocabulary: Vocabulary,
    review: str = "accepted",
) -> tuple[Evidence, RefreshResult]:
    """Append a person's evidence to a claim, log it, and recompute statuses.

    Evidence with ``review="pending"`` waits for an editor: it is stored and logged, but no status or
    relation is recomputed, since pending evidence counts for nothing until it is accepted.

    Raises NotFound for an unknown claim or source, InvalidInput (with the field) for bad input.
    A quote cited from an existing source must occur in its text: offsets are where it occurs.
    """
    if review not in ("accepted", "pending"):
        raise InvalidInput(f"new evidence is accepted or pending, not {review!r}", field="review")
    claim = get_claim(session, claim_id=claim_id)
    if claim is None:
        raise NotFound(f"no claim with id {claim_id!r}")
    errors = validate_submission(submission)
    if errors:
        field, message = next(iter(errors.items()))
        raise InvalidInput(message, field=field)
    quote = _clean(submission.quote) or ""
    source_id = _clean(submission.source_id)
    if source_id:
        source = get_source(session, source_id=source_id)
        if source is None:
            raise InvalidInput(f"no source with id {source_id!r}", field="source_id")
        start = source.text.find(quote)
        if start < 0:
            raise InvalidInput(
                "the quote does not occur in that source's text; paste it exactly", field="quote"
            )
    else:
        source = add_submitted_source(
            session,
            title=_clean(submission.source_title) or "",
            quote=quote,
            url=_clean(submission.source_url),
            added_by=added_by,
        )
        start = source.text.find(quote)
    evidence = Evidence(
        id="e-" + uuid.uuid4().hex[:14],
        claim_id=claim.id,
        source_id=source.id,
        start=start,
        end=start + len(quote),
        quote=quote,
        value=claim.value,
        value_max=claim.value_max,
        qualifier=claim.qualifier,
        asserted_by=_clean(submission.asserted_by) or "author",
        parties=[_clean(submission.asserted_by) or "author"],  # one named party, whatever its punctuation
        stance=submission.stance,
        origin="person",
        added_by=added_by,
        added_at=utcnow(),
        note=_clean(submission.note),
        review=review,
    )
    append_evidence(session, evidence=evidence)
    record(
        session,
        actor=added_by or "anonymous",
        action="evidence.add",
        target_kind="evidence",
        target_id=evidence.id,
        detail={"claim_id": claim.id, "stance": evidence.stance, "review": review, "source_id": source.id},
        reason=evidence.note,
    )
    if review != "accepted":
        return evidence, RefreshResult()
    cause = StatusCause(kind="evidence", actor=added_by or "anonymous", evidence_id=evidence.id)
    outcome = refresh(session, vocabulary=vocabulary, claim_ids=[claim.id], cause=cause)
    reindex_search(session, claim_ids=[claim.id])
    return evidence, outcome
