"""The claims graph as SQLModel tables: sources, entities, claims, evidence and relations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = [
    "utcnow",
    "Source",
    "Entity",
    "Claim",
    "Evidence",
    "Relation",
    "PendingRefresh",
    "STATUSES",
    "STANCES",
    "RELATION_KINDS",
    "REVIEW_STATES",
    "ROLES",
    "TOKEN_KINDS",
    "User",
    "ApiToken",
    "AuditEntry",
    "StatusChange",
    "Review",
]

STATUSES = ("unverified", "corroborated", "disputed", "refuted")
STANCES = ("supports", "disputes")
RELATION_KINDS = ("contradicts", "corroborates", "different_scope", "misattribution", "derived_from")
# accepted evidence counts; pending waits for an editor; rejected and retracted are kept but never count;
# superseded is extracted evidence of a document replaced by a newer version of the same file.
REVIEW_STATES = ("accepted", "pending", "rejected", "retracted", "superseded")
ROLES = ("reader", "editor", "admin")
TOKEN_KINDS = ("api", "session")


def utcnow() -> datetime:
    """The current time in UTC, second precision (what we store and show)."""
    return datetime.now(UTC).replace(microsecond=0)


class Source(SQLModel, table=True):
    """One document: an ingested article, or a source a person cited when adding evidence."""

    # How evidence names its source (analysis._source_labels), read without touching the long text.
    __table_args__ = (Index("ix_source_label", "id", "kind", "title", "author"),)

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(index=True, max_length=300)
    title: str = Field(max_length=500)
    author: str | None = Field(default=None, max_length=300)
    published: str | None = Field(default=None, max_length=10)
    origin: str = Field(max_length=1000)
    url: str | None = Field(default=None, max_length=2000)
    sha256: str = Field(index=True, max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(default="document", max_length=20)
    added_by: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    superseded_by: str | None = Field(default=None, max_length=40)


class Entity(SQLModel, table=True):
    """A thing claims are about or a party that asserts them, with its aliases."""

    id: str = Field(primary_key=True, max_length=100)
    name: str = Field(unique=True, max_length=200)
    kind: str = Field(default="other", max_length=30)
    parent_id: str | None = Field(default=None, max_length=100)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Claim(SQLModel, table=True):
    """One canonical proposition: subject, metric, scope and a value interval."""

    __table_args__ = (
        Index("ix_claim_subject_metric", "subject_id", "metric"),
        # Every column the claim list filters and sorts on: its pages are found without reading the table.
        Index("ix_claim_list", "status", "subject_id", "metric", "id"),
        Index("ix_claim_metric_list", "metric", "status", "subject_id", "id"),
        Index("ix_claim_id_list", "id", "status", "subject_id", "metric"),  # search hits, checked by id
    )

    id: str = Field(primary_key=True, max_length=40)
    subject_id: str = Field(foreign_key="entity.id", max_length=100)
    metric: str = Field(index=True, max_length=80)
    scope: str = Field(default="", max_length=200)
    unit: str = Field(max_length=30)
    value: float | None = None
    value_max: float | None = None
    qualifier: str | None = Field(default=None, max_length=40)
    precision: float | None = None
    order: bool = False
    note: str | None = Field(default=None, max_length=200)
    value_text: str = Field(max_length=200)
    statement: str = Field(max_length=600)
    status: str = Field(default="unverified", index=True, max_length=20)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
    # Derived from accepted evidence by refresh, beside the status (None until a refresh has computed them):
    # the independent origins for and against ({"for": [...], "against": [...]}) and who asserts the claim.
    # Claim pages show them for every rival of a claim, so they are stored rather than counted per request.
    origins: dict[str, list[str]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    asserters: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Evidence(SQLModel, table=True):
    """One appearance of a claim in a source: exact quote and offsets, who asserts it, and how."""

    __table_args__ = (Index("ix_evidence_claim_review", "claim_id", "review"),)

    id: str = Field(primary_key=True, max_length=40)
    claim_id: str = Field(foreign_key="claim.id", max_length=40)
    source_id: str = Field(foreign_key="source.id", index=True, max_length=40)
    start: int
    end: int
    quote: str = Field(sa_column=Column(Text, nullable=False))
    value_start: int | None = None
    value_end: int | None = None
    value_text: str | None = Field(default=None, max_length=200)
    value: float | None = None
    value_max: float | None = None
    qualifier: str | None = Field(default=None, max_length=40)
    hedge: str | None = Field(default=None, max_length=40)
    asserted_by: str = Field(default="author", max_length=200)
    stance: str = Field(default="supports", max_length=10)
    hypothetical: bool = False
    origin: str = Field(default="extracted", max_length=20)
    added_by: str | None = Field(default=None, max_length=100)
    added_at: datetime = Field(default_factory=utcnow)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    review: str = Field(default="accepted", max_length=10)
    # How surely extraction typed the metric and subject (0-1); None for evidence people added (and rows
    # stored before it was measured), read as fully confident.
    confidence: float | None = None
    # Who asserts it, one entry per party ("Meta Platforms, Inc." is one); None on rows from before it was
    # stored, read as the single party ``asserted_by`` names.
    parties: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Relation(SQLModel, table=True):
    """A derived link between two claims, with the reason it was drawn."""

    __table_args__ = (UniqueConstraint("kind", "claim_a", "claim_b"),)

    id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(index=True, max_length=20)
    claim_a: str = Field(foreign_key="claim.id", index=True, max_length=40)
    claim_b: str = Field(foreign_key="claim.id", index=True, max_length=40)
    reason: str = Field(max_length=600)
    created_at: datetime = Field(default_factory=utcnow)


class PendingRefresh(SQLModel, table=True):
    """A claim whose relations, status and search row are not yet recomputed after new evidence.

    Written in the same transaction as the evidence and deleted in the one that recomputes, so an
    ingest killed in between leaves a durable to-do list that the next run finishes.
    """

    __tablename__ = "pending_refresh"

    claim_id: str = Field(foreign_key="claim.id", primary_key=True, max_length=40)


class User(SQLModel, table=True):
    """An account: readers submit evidence for moderation, editors moderate and write directly, admins too."""

    __tablename__ = "account"  # not "user": a reserved word in PostgreSQL and in SQL itself

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=80)
    role: str = Field(default="reader", max_length=10)
    password_hash: str = Field(max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    disabled: bool = False
    # failed sign-ins in a row, and until when the account refuses sign-in after too many of them
    failed_logins: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    locked_until: datetime | None = None


class ApiToken(SQLModel, table=True):
    """A bearer token for scripts, or a browser's login session: only the token's sha256 is stored."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    kind: str = Field(default="api", max_length=10)
    label: str = Field(default="", max_length=100)
    user_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class AuditEntry(SQLModel, table=True):
    """One change, who made it, when and why. Rows are only ever inserted."""

    __table_args__ = (Index("ix_auditentry_target", "target_kind", "target_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=40)
    target_kind: str = Field(max_length=20)
    target_id: str = Field(max_length=100)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class StatusChange(SQLModel, table=True):
    """A claim's status moving from one value to another, and what caused it. Rows are only ever inserted."""

    __table_args__ = (Index("ix_statuschange_claim_at", "claim_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    claim_id: str = Field(foreign_key="claim.id", max_length=40)
    at: datetime = Field(default_factory=utcnow)
    from_status: str = Field(max_length=20)
    to_status: str = Field(max_length=20)
    cause: str = Field(max_length=20)  # ingest | evidence | review
    evidence_id: str | None = Field(default=None, max_length=40)
    actor: str = Field(max_length=100)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Review(SQLModel, table=True):
    """An editor's decision on a piece of evidence: accepted, rejected or retracted, with a comment."""

    id: int | None = Field(default=None, primary_key=True)
    evidence_id: str = Field(foreign_key="evidence.id", index=True, max_length=40)
    decision: str = Field(max_length=10)
    reviewer: str = Field(max_length=100)
    at: datetime = Field(default_factory=utcnow)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


def as_dict(row: SQLModel) -> dict[str, Any]:
    """A row as plain JSON-ready data."""
    data = row.model_dump()
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = value.replace(tzinfo=None).isoformat() + "Z"
    return data
