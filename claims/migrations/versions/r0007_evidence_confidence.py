"""evidence confidence and parties: how surely extraction typed a mention, and who asserts it as a list

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 15:10:00.000000

A mention whose metric or subject was a default rather than read from the text takes part in no relation
and no status until an editor reviews it. Extraction now stores that confidence (0 to 1) on each piece of
evidence. Existing rows and evidence people added stay NULL, read as fully confident, so nothing changes
for them until their document is extracted again.

Who asserts a piece of evidence is now also stored as a list of parties (``parties``, JSON), so that an
origin is never split out of a joined string ("Meta Platforms, Inc." is one party). Rows from before stay
NULL and are read as the one party their ``asserted_by`` names.

Plain ADD COLUMN on both databases, as 0006.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    existing = {c['name'] for c in sa.inspect(op.get_bind()).get_columns('evidence')}
    if 'confidence' not in existing:
        op.add_column('evidence', sa.Column('confidence', sa.Float(), nullable=True))
    if 'parties' not in existing:
        op.add_column('evidence', sa.Column('parties', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('evidence', 'parties')
    op.drop_column('evidence', 'confidence')
