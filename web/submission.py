"""Adding evidence from the form or the API: every field checked at once, appended, statuses recomputed."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ConfigDict
from sqlmodel import Session

from claims.errors import InvalidInput, NotFound
from claims.evidence import EvidenceSubmission, add_evidence, validate_submission
from claims.models import Evidence
from claims.store import get_claim
from claims.vocabulary import Vocabulary
from web.errors import FormErrors
from web.text_input import TextInput

__all__ = ["EvidenceForm", "Added", "submit_evidence"]


class EvidenceForm(TextInput):
    """The evidence form as the browser posts it: every field a string, possibly empty."""

    model_config = ConfigDict(extra="ignore")

    stance: str = ""
    quote: str = ""
    source_choice: str = "new"
    source_id: str = ""
    source_title: str = ""
    source_url: str = ""
    asserted_by: str = ""
    note: str = ""
    csrf_token: str = ""

    def submission(self) -> EvidenceSubmission:
        """What the person asks to add; the existing source counts only when they chose it."""
        # a source picked from the list counts even if the "new source" button stayed on, with no title typed
        existing = self.source_choice == "existing" or bool(self.source_id and not self.source_title.strip())
        return EvidenceSubmission(
            stance=self.stance,
            quote=self.quote,
            source_id=(self.source_id or None) if existing else None,
            source_title=None if existing else (self.source_title or None),
            source_url=None if existing else (self.source_url or None),
            asserted_by=self.asserted_by or None,
            note=self.note or None,
        )


@dataclass(frozen=True)
class Added:
    """Evidence that went in, and the claim's status before and after."""

    evidence: Evidence
    previous_status: str
    status: str
    reasons: list[str]


def _source_choice_error(submission: EvidenceSubmission, errors: dict[str, str]) -> dict[str, str]:
    # The domain asks for a title "or an existing source"; on the form those are two separate choices.
    if "source_title" in errors and submission.source_title is None and submission.source_id is None:
        return {
            **errors,
            "source_title": "give the source's title, or choose one of the sources already stored",
        }
    return errors


def submit_evidence(
    session: Session,
    *,
    claim_id: str,
    submission: EvidenceSubmission,
    added_by: str,
    vocabulary: Vocabulary,
    review: str = "accepted",
) -> Added:
    """Append evidence to a claim (``review="pending"`` holds it for moderation); raise NotFound, or
    FormErrors listing every bad field. Does not commit."""
    claim = get_claim(session, claim_id=claim_id)
    if claim is None:
        raise NotFound(f"no claim with id {claim_id!r}")
    previous = claim.status
    errors = _source_choice_error(submission, validate_submission(submission))
    if errors:
        raise FormErrors(errors)
    try:
        evidence, _ = add_evidence(
            session, claim_id=claim_id, submission=submission, added_by=added_by, vocabulary=vocabulary,
            review=review,
        )
    except InvalidInput as exc:
        raise FormErrors({exc.field or "form": str(exc)}) from exc
    session.refresh(
        claim
    )  # the status was recomputed in the database; read it back rather than trust the object
    return Added(
        evidence=evidence, previous_status=previous, status=claim.status, reasons=list(claim.reasons)
    )
