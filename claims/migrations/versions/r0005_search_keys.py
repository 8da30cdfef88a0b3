"""search keys: the list-ordering columns of each full-text row (SQLite)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 04:55:00

A search for a word in most claims (25,000 of 100,000) read each match's claim id from the FTS5 content
row, beside a body of all its quotes, then looked up 25,000 claims by their string ids to sort them:
about 100 ms. ``claim_fts_keys`` holds, per full-text row (its rowid), the claim's id and the columns
the list filters and sorts on, with an index in list order: a search reads only FTS rowids, then pages
through that index (or sorts the few matches). Triggers on ``claim`` keep status, subject and metric in
step whoever writes them. SQLite only: PostgreSQL's search table already holds claim ids beside a GIN
index. The name starts with ``claim_fts`` so autogenerate leaves it alone like the FTS5 table itself.

A later batch migration that recreates ``claim`` on SQLite drops its triggers: recreate them there
(tests/claims/test_migrations.py checks they exist at head).
"""

from __future__ import annotations

from alembic import op

from claims.migrate import SEARCH_KEYS_DDL

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in SEARCH_KEYS_DDL:
        op.execute(statement)
    op.execute("DELETE FROM claim_fts_keys")  # rows from before, if any: the full-text rows decide
    op.execute(
        "INSERT INTO claim_fts_keys (fts_rowid, claim_id, status, status_rank, subject_id, metric) "
        "SELECT f.rowid, c.id, c.status, "
        "CASE c.status WHEN 'disputed' THEN 0 WHEN 'refuted' THEN 1 ELSE 2 END, "
        "c.subject_id, c.metric FROM claim_fts f JOIN claim c ON c.id = f.claim_id"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in ("claim_fts_keys_update", "claim_fts_keys_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS claim_fts_keys")
