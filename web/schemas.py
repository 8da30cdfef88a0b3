"""The JSON API's shapes: what clients send and what they get back (documented in /openapi.json)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, field_validator

from claims.evidence import MAX_NAME, MAX_NOTE, MAX_QUOTE, MAX_TITLE
from web.text_input import TextInput

__all__ = [
    "ClaimId",
    "TextId",
    "NO_NUL",
    "ERRORS",
    "WRITE_ERRORS",
    "StatusChangeOut",
    "SetAsideEvidence",
    "PER_PAGE",
    "MAX_PER_PAGE",
    "MAX_PAGE",
    "Status",
    "ClaimFilters",
    "ErrorOut",
    "Ref",
    "ClaimSummary",
    "ClaimListItem",
    "ClaimList",
    "EvidenceOut",
    "ClaimOut",
    "EvidenceIn",
    "EvidenceCreated",
    "FacetsOut",
    "SourceListItem",
    "OverviewOut",
    "GraphOut",
]

PER_PAGE = 25
MAX_PER_PAGE = 100
# claims.evidence's address rule (surrounding blanks are trimmed; blank means none) as a JSON Schema pattern
_URL_PATTERN = r"^\s*(?:[hH][tT][tT][pP][sS]?://[^\s<>\x22\x27]{3,2000})?\s*$"
MAX_PAGE = 100_000  # past this, OFFSET stops being a page anyone reads and starts being an overflow

Status = Literal[
    "unverified", "corroborated", "disputed", "refuted"
]  # claims.models.STATUSES; a test keeps them equal


# "c-" and a digest; saying so keeps /api/claims/facets from reading as the claim "facets"
ClaimId = Annotated[
    str, Path(pattern=r"^c-[0-9A-Za-z_-]{1,80}$", description="a claim's id", examples=["c-6bf03889375d"])
]


# PostgreSQL refuses NUL in text, so no text we take may hold one (said in the schema, the same on SQLite)
NO_NUL = r"^[^\x00]*$"
# ids of sources and entities in paths: any text but NUL (unknown ones are a 404)
TextId = Annotated[str, Path(pattern=NO_NUL)]


class ClaimFilters(TextInput):
    """Filters of the claims list; an empty value (as an HTML form sends it) means no filter."""

    model_config = ConfigDict(extra="ignore")

    # "" as well: an HTML form sends its empty choice, which means no filter
    status: Literal[Status, ""] | None = Field(
        None, description="unverified, corroborated, disputed or refuted"
    )
    subject: str | None = Field(
        None, max_length=100, pattern=NO_NUL, description="entity id of the subject, e.g. deepseek"
    )
    metric: str | None = Field(None, max_length=80, pattern=NO_NUL, description="metric name, e.g. gpu_count")
    source: str | None = Field(
        None, max_length=40, pattern=NO_NUL, description="source id: claims with evidence in it"
    )
    asserted_by: str | None = Field(
        None, max_length=200, pattern=NO_NUL, description="part of the asserter's name"
    )
    q: str | None = Field(
        None, max_length=200, pattern=NO_NUL, description="full-text search: every word, stemmed"
    )
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(PER_PAGE, ge=1, le=MAX_PER_PAGE)

    @field_validator("status", "subject", "metric", "source", "asserted_by", "q", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    def active(self) -> dict[str, str]:
        """The filters in use (not the page), by name."""
        return {k: v for k, v in self.model_dump(exclude={"page", "per_page"}).items() if v}


class FieldError(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    """Every error: a message naming the bad value; 422s also list the fields at fault."""

    detail: str
    errors: list[FieldError] | None = None


# The error answers every API route documents besides its own.
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}, 422: {"model": ErrorOut}}
# ... and those of routes that need an account (401 without one, 403 without the role, 409 out of turn)
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS, 401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 409: {"model": ErrorOut}
}


class Ref(BaseModel):
    id: str
    name: str


class ClaimSummary(BaseModel):
    id: str
    statement: str
    status: Status
    subject: Ref
    metric: str
    metric_label: str
    scope: str
    value: float | None
    value_max: float | None
    unit: str
    qualifier: str | None
    value_text: str
    note: str | None
    updated_at: str


class ClaimListItem(ClaimSummary):
    evidence_count: int = Field(description="accepted pieces of evidence")
    source_count: int = Field(description="distinct sources they come from")


class ClaimList(BaseModel):
    items: list[ClaimListItem]
    total: int
    page: int
    per_page: int


class EvidenceSource(BaseModel):
    id: str
    title: str
    name: str | None
    url: str | None
    author: str | None
    published: str | None
    kind: str | None


class EvidenceOut(BaseModel):
    id: str
    claim_id: str
    stance: Literal["supports", "disputes"]
    quote: str
    start: int
    end: int
    value_start: int | None
    value_end: int | None
    value_text: str | None
    value: float | None
    value_max: float | None
    qualifier: str | None
    hedge: str | None
    asserted_by: str
    hypothetical: bool
    origin: str = Field(description="'extracted' by the pipeline or added by a 'person'")
    added_by: str | None
    added_at: str
    note: str | None
    review: str
    context_before: str
    context_after: str
    source: EvidenceSource


class Related(BaseModel):
    kind: str
    claim_id: str
    statement: str
    status: Status
    reason: str


class SpreadPoint(BaseModel):
    id: str
    value: float | None
    value_max: float | None
    unit: str
    qualifier: str | None
    value_text: str
    value_label: str
    status: Status
    asserted_by: list[str] = Field(description="who asserts it, as the evidence names them")
    origins: list[str] = Field(description="independent origins backing it (not hypothetical mentions)")
    current: bool


class StatusChangeOut(BaseModel):
    """One move of a claim's status and its cause: an ingest, evidence added, or a review decision."""

    id: int
    claim_id: str
    at: str
    from_status: Status
    to_status: Status
    cause: Literal["ingest", "evidence", "review"]
    evidence_id: str | None
    actor: str
    reason: str | None
    label: str = Field(description="e.g. 'disputed since 2025-01-28, after evidence e-1 (added by ann)'")


class DecisionOut(BaseModel):
    decision: Literal["accepted", "rejected", "retracted"]
    reviewer: str
    comment: str | None
    at: str


class SetAsideEvidence(EvidenceOut):
    decision: DecisionOut | None = Field(description="the review that set it aside")


class ClaimOut(ClaimSummary):
    question: str
    reasons: list[str]
    evidence: list[EvidenceOut] = Field(description="accepted evidence: what the status counts")
    pending_count: int = Field(description="evidence held for moderation, not counted until accepted")
    set_aside: list[SetAsideEvidence] = Field(
        description="evidence accepted once and since retracted: kept on record, no longer counted"
    )
    rejected_count: int = Field(
        0, description="submissions an editor rejected: never counted, and private (only the number shows)"
    )
    history: list[StatusChangeOut] = Field(description="every change of status, oldest first")
    related: list[Related]
    spread: list[SpreadPoint] = Field(description="every claim with the same subject and metric")


class EvidenceIn(TextInput):
    """New evidence for a claim: a quote, where it comes from, who asserts it and which way it points."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "stance": "disputes",
                    "quote": "Our cluster holds 2,048 H800 GPUs.",
                    "source_title": "DeepSeek-V3 report",
                    "source_url": "https://arxiv.org/abs/2412.19437",
                    "source_id": None,
                    "asserted_by": "DeepSeek",
                    "note": None,
                }
            ],
            # What the server asks, said in the schema: a stored source by its id, or a new one by a title
            # that is not blank (a null or blank title with no source_id is refused).
            "anyOf": [
                {
                    "required": ["source_id"],
                    "properties": {"source_id": {"type": "string", "pattern": r"\S"}},
                },
                {
                    "required": ["source_title"],
                    "properties": {"source_title": {"type": "string", "pattern": r"\S"}},
                },
            ],
        },
    )

    stance: Literal["supports", "disputes"]
    # The limits are checked by claims.evidence (with messages naming the field and the limit); the
    # schema states them too, so clients and fuzzers know them.
    quote: str = Field(
        description="the exact words, as the source has them",
        json_schema_extra={"minLength": 1, "maxLength": MAX_QUOTE, "pattern": r"\S"},
    )
    source_title: str | None = Field(None, json_schema_extra={"maxLength": MAX_TITLE})
    source_url: str | None = Field(
        None, description="an http(s) address", json_schema_extra={"pattern": _URL_PATTERN}
    )
    source_id: str | None = Field(None, description="an existing source instead of title and URL")
    asserted_by: str | None = Field(
        None,
        description="who asserts it there; the author when empty",
        json_schema_extra={"maxLength": MAX_NAME},
    )
    note: str | None = Field(None, json_schema_extra={"maxLength": MAX_NOTE})


class ClaimAfter(BaseModel):
    id: str
    status: Status
    previous_status: Status
    reasons: list[str]


class EvidenceCreated(EvidenceOut):
    claim: ClaimAfter = Field(description="the claim's status recomputed with the new evidence")


class Facet(BaseModel):
    value: str
    label: str
    count: int


class FacetsOut(BaseModel):
    status: list[Facet]
    subject: list[Facet]
    metric: list[Facet]
    source: list[Facet]
    asserted_by: list[Facet]


class SourceListItem(BaseModel):
    id: str
    name: str
    title: str
    author: str | None
    published: str | None
    url: str | None
    kind: str
    superseded_by: str | None
    evidence: int


class Rival(ClaimSummary):
    value_label: str
    origins: list[str] = Field(description="independent origins backing this value")
    origin_count: int
    against: list[str] = Field(description="origins disputing it directly")
    evidence_count: int


class DisputeGroup(BaseModel):
    question: str
    metric: str
    metric_label: str
    subject: Ref
    origin_count: int
    evidence_count: int
    claims: list[Rival]


class OverviewOut(BaseModel):
    counts: dict[str, int]
    disputes: list[DisputeGroup] = Field(description="the most discussed disputed questions first")
    disputes_total: int = Field(description="how many disputed questions there are in all")
    sources: list[SourceListItem] = Field(description="the sources holding the most evidence")


class GraphOut(BaseModel):
    """networkx node-link JSON: claims, sources and entities as nodes; evidence and relations as links."""

    directed: bool
    multigraph: bool
    graph: dict[str, Any]
    nodes: list[dict[str, Any]]
    links: list[dict[str, Any]]
