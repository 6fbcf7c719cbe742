"""urgent items: news that cannot wait goes first in the approvers' lists

Revision ID: 0015_urgent
Revises: 0014_network
Create Date: 2026-11-30 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_urgent"
down_revision = "0014_network"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "contentitem",
        sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("contentitem", schema=None) as batch_op:
        batch_op.drop_column("urgent")
