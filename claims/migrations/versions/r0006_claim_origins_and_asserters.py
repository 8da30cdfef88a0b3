"""claim origins and asserters: derived by refresh beside the status

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 06:22:03.416012

A claim page shows, for every rival value of the same subject and metric, its independent origins and
who asserts it. Counting those per request read every piece of evidence of every rival (25 rivals, 250
rows and their sources on the benchmark database): most of a claim page's first request. Refresh now
stores them on the claim when it recomputes the status. Existing rows stay NULL until a refresh touches
their group; readers count NULL ones from evidence, as before, so nothing is wrong in between.

Plain ADD COLUMN on both databases (no batch copy of ``claim`` on SQLite, which would drop the search-key
triggers of 0005).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | None = None
depends_on: str | None = None

COLUMNS = ('origins', 'asserters')


def upgrade() -> None:
    existing = {c['name'] for c in sa.inspect(op.get_bind()).get_columns('claim')}
    for name in COLUMNS:
        if name not in existing:
            op.add_column('claim', sa.Column(name, sa.JSON(), nullable=True))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column('claim', name)
