"""The audit trail: an append-only log of every change, and each claim's status history with its causes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from claims.models import AuditEntry, Review, StatusChange, as_dict, utcnow

__all__ = [
    "StatusCause",
    "INGEST",
    "record",
    "record_status_changes",
    "record_ingested",
    "entries",
    "status_history",
    "reviews_of",
    "audit_view",
    "history_view",
    "since_label",
    "parse_target",
]

INGEST = "ingest"


@dataclass(frozen=True)
class StatusCause:
    """Why statuses are being recomputed: an ingest, a piece of evidence added, or a review decision."""

    kind: str = INGEST  # ingest | evidence | review
    actor: str = INGEST
    evidence_id: str | None = None
    reason: str | None = None


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target_kind: str,
    target_id: str,
    detail: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEntry:
    """Append one entry to the audit log (never updated, never deleted)."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        detail=dict(detail or {}),
        reason=reason,
        at=utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry


def record_status_changes(
    session: Session, *, changes: Sequence[tuple[str, str, str]], cause: StatusCause
) -> int:
    """One StatusChange row per (claim, old, new) with old != new, in one statement; return how many."""
    now = utcnow()
    rows = [
        {
            "claim_id": cid,
            "at": now,
            "from_status": old,
            "to_status": new,
            "cause": cause.kind,
            "evidence_id": cause.evidence_id,
            "actor": cause.actor,
            "reason": cause.reason,
        }
        for cid, old, new in changes
        if old != new
    ]
    if rows:
        session.execute(insert(StatusChange), rows)
    return len(rows)


def record_ingested(session: Session, *, sources: Sequence[tuple[str, str, int]]) -> int:
    """One audit entry per newly ingested document (source id, file name, evidence added), in one insert."""
    now = utcnow()
    rows = [
        {
            "at": now,
            "actor": INGEST,
            "action": "source.ingest",
            "target_kind": "source",
            "target_id": sid,
            "detail": {"name": name, "evidence_added": added},
            "reason": None,
        }
        for sid, name, added in sources
    ]
    if rows:
        session.execute(insert(AuditEntry), rows)
    return len(rows)


def parse_target(target: str) -> tuple[str, str | None]:
    """``kind:id`` or a bare kind, as a filter on the audit log.

    >>> parse_target("evidence:e-12"), parse_target("user"), parse_target("claim:c:1")
    (('evidence', 'e-12'), ('user', None), ('claim', 'c:1'))
    """
    kind, _, ident = target.partition(":")
    return kind, ident or None


def entries(
    session: Session,
    *,
    target_kind: str | None = None,
    target_id: str | None = None,
    actor: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Audit entries matching every given filter, newest first."""
    query = select(AuditEntry)
    if target_kind:
        query = query.where(AuditEntry.target_kind == target_kind)
    if target_id:
        query = query.where(AuditEntry.target_id == target_id)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    query = query.order_by(col(AuditEntry.id).desc()).offset(offset).limit(limit)
    return list(session.exec(query).all())


def status_history(session: Session, *, claim_id: str) -> list[StatusChange]:
    """Every status change of one claim, oldest first."""
    query = select(StatusChange).where(StatusChange.claim_id == claim_id).order_by(col(StatusChange.id))
    return list(session.exec(query).all())


def reviews_of(session: Session, *, evidence_ids: Sequence[str]) -> dict[str, list[Review]]:
    """Review decisions by evidence id, oldest first."""
    out: dict[str, list[Review]] = {}
    ids = sorted(set(evidence_ids))
    for i in range(0, len(ids), 500):
        query = select(Review).where(col(Review.evidence_id).in_(ids[i : i + 500])).order_by(col(Review.id))
        for review in session.exec(query):
            out.setdefault(review.evidence_id, []).append(review)
    return out


def audit_view(entry: AuditEntry) -> dict[str, Any]:
    """One audit entry as plain JSON-ready data."""
    return as_dict(entry)


def since_label(change: dict[str, Any]) -> str:
    """A line for a reader: what the status became, since when, and after what.

    >>> since_label({"to_status": "disputed", "at": "2025-01-28T10:00:00Z", "cause": "evidence",
    ...              "evidence_id": "e-1", "actor": "ann", "reason": None})
    'disputed since 2025-01-28, after evidence e-1 (added by ann)'
    >>> since_label({"to_status": "corroborated", "at": "2025-01-29T00:00:00Z", "cause": "ingest",
    ...              "evidence_id": None, "actor": "ingest", "reason": None})
    'corroborated since 2025-01-29, after an ingest of new documents'
    """
    after = {
        "ingest": "an ingest of new documents",
        "evidence": f"evidence {change['evidence_id']} (added by {change['actor']})",
        "review": f"a review of evidence {change['evidence_id']} by {change['actor']}",
    }.get(change["cause"], change["cause"])
    text = f"{change['to_status']} since {change['at'][:10]}, after {after}"
    return f"{text}: {change['reason']}" if change.get("reason") else text


def history_view(changes: Sequence[StatusChange]) -> list[dict[str, Any]]:
    """Status changes as plain data, each with its reader's line."""
    out = []
    for change in changes:
        data = as_dict(change)
        data["label"] = since_label(data)
        out.append(data)
    return out
