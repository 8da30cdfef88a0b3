"""account lock-out: failed sign-ins in a row, and until when the account refuses sign-in

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 17:29:14.457602

From five failed sign-ins in a row an account refuses sign-in for a delay that doubles with each further
failure (30 s up to an hour); a right password resets the count. Existing accounts start at 0, unlocked.
Plain ADD COLUMN on both databases, as 0007.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    existing = {c['name'] for c in sa.inspect(op.get_bind()).get_columns('account')}
    if 'failed_logins' not in existing:
        op.add_column('account', sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
    if 'locked_until' not in existing:
        op.add_column('account', sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
