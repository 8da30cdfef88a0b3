"""insert_rows stores exactly what SQLAlchemy's own insert stores, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from claims.db import insert_rows, session_scope
from claims.models import Claim, Entity

ROW = {
    "subject_id": "e-deepseek", "metric": "gpu_count", "scope": "", "unit": "GPU", "value": 2048.0,
    "value_max": None, "qualifier": None, "precision": 1.0, "order": True, "note": None,
    "value_text": "2,048", "statement": "DeepSeek GPU count: 2,048 GPUs", "status": "unverified",
    "reasons": ["a reason with «quotes»", "and a second"], "origins": {"for": ["Ben"], "against": []},
    "asserters": ["Ben"], "updated_at": datetime(2025, 1, 28, 10, 30, 5, tzinfo=UTC),
}


def test_rows_read_back_the_same_as_rows_sqlalchemy_inserted(empty_engine):
    table = Claim.__table__
    with session_scope(empty_engine) as session:
        session.execute(insert(Entity.__table__), [{"id": "e-deepseek", "name": "DeepSeek", "kind": "org",
                                                     "parent_id": None, "aliases": []}])
        session.execute(insert(table), [ROW | {"id": "c-core"}])
        insert_rows(session, table, [ROW | {"id": "c-fast"}])
        insert_rows(session, table, [ROW | {"id": "c-fast", "status": "disputed"}], skip_existing=True)
    with empty_engine.connect() as conn:
        rows = {r.id: r._asdict() for r in conn.execute(select(table))}
    core, fast = rows.pop("c-core"), rows.pop("c-fast")
    assert {k: v for k, v in core.items() if k != "id"} == {k: v for k, v in fast.items() if k != "id"}
    assert fast["reasons"] == ROW["reasons"] and fast["origins"] == ROW["origins"] and fast["order"] is True
    assert fast["status"] == "unverified"  # the second insert_rows left the stored row as it was


def test_rows_with_different_keys_are_refused(empty_engine):
    with session_scope(empty_engine) as session, pytest.raises(ValueError, match="differ in their keys"):
        insert_rows(session, Claim.__table__, [ROW | {"id": "a"}, {"id": "b"}])
