"""The JSON API's shapes for the corpus: sources with their located evidence, and entities."""

from __future__ import annotations

from pydantic import BaseModel

from web.schemas import ClaimSummary, Ref, Status

__all__ = ["LocatedEvidence", "SourceOut", "EntityListItem", "AboutClaim", "AssertedClaim",
           "EntityOut"]


class LocatedEvidence(BaseModel):
    id: str
    claim_id: str
    statement: str
    status: Status
    start: int
    end: int
    value_start: int | None
    value_end: int | None
    quote: str
    value_text: str | None
    asserted_by: str
    stance: str
    hedge: str | None
    hypothetical: bool
    origin: str
    review: str


class SourceOut(BaseModel):
    id: str
    name: str
    title: str
    author: str | None
    published: str | None
    origin: str
    url: str | None
    sha256: str
    text: str
    kind: str
    added_by: str | None
    created_at: str
    superseded_by: str | None
    evidence: list[LocatedEvidence]


class EntityListItem(BaseModel):
    id: str
    name: str
    kind: str
    parent_id: str | None
    aliases: list[str]
    claims: int


class AboutClaim(ClaimSummary):
    value_label: str


class AssertedClaim(ClaimSummary):
    evidence_id: str
    source_id: str
    quote: str
    stance: str
    asserted_by: str


class EntityOut(BaseModel):
    id: str
    name: str
    kind: str
    aliases: list[str]
    parent: Ref | None
    children: list[Ref]
    about: list[AboutClaim]
    asserted: list[AssertedClaim]
