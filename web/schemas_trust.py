"""API models of accounts, moderation and the audit trail (the other models are in web.schemas)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from web.schemas import EvidenceOut, Status, StatusChangeOut
from web.text_input import TextInput

__all__ = [
    "ClaimRef",
    "PendingEvidence",
    "ModerationQueue",
    "ReviewIn",
    "RejectIn",
    "RetractIn",
    "DecisionResult",
    "AuditEntryOut",
    "AuditList",
    "HistoryOut",
    "MeOut",
]


class ClaimRef(BaseModel):
    id: str
    statement: str
    status: Status


class PendingEvidence(EvidenceOut):
    claim: ClaimRef


class ModerationQueue(BaseModel):
    """Evidence held for moderation, oldest first."""

    items: list[PendingEvidence]
    total: int = Field(description="how much evidence waits in all, on every page")
    page: int = 1
    per_page: int = 100


class ReviewIn(TextInput):
    """An editor's comment on a decision: optional to accept, required to reject."""

    model_config = ConfigDict(extra="forbid")

    comment: str | None = Field(None, max_length=2000, description="why; required to reject")


class RejectIn(TextInput):
    """Why pending evidence is rejected (required, and not blank: the rejection is on record for good)."""

    model_config = ConfigDict(extra="forbid")

    comment: str = Field(min_length=1, max_length=2000, pattern=r"\S", description="why it is rejected")


class RetractIn(TextInput):
    """Why accepted evidence is withdrawn (required, and not blank: the retraction is on record for good)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")


class DecisionResult(BaseModel):
    """The decision as recorded, and what it did to the claim's status."""

    evidence_id: str
    review: Literal["accepted", "rejected", "retracted"]
    reviewer: str
    comment: str | None
    claim: dict[str, Any] = Field(description="id, status and previous_status of the evidence's claim")


class AuditEntryOut(BaseModel):
    id: int
    at: str
    actor: str
    action: str = Field(description="e.g. evidence.add, evidence.accept, evidence.reject, user.add, ingest")
    target_kind: str
    target_id: str
    detail: dict[str, Any]
    reason: str | None


class AuditList(BaseModel):
    """Audit entries, newest first."""

    items: list[AuditEntryOut]
    limit: int
    offset: int


class HistoryOut(BaseModel):
    """A claim's status now and every change that led there."""

    claim_id: str
    status: Status
    history: list[StatusChangeOut]


class MeOut(BaseModel):
    name: str
    role: Literal["reader", "editor", "admin"]
