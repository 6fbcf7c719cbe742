"""composer: what an item features, the checks it failed, machine-drafted text

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 07:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contentitem", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("content_ref", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True)
        )
        batch_op.add_column(
            sa.Column("hold_reasons", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("machine_drafted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(batch_op.f("ix_contentitem_content_ref"), ["content_ref"])


def downgrade() -> None:
    with op.batch_alter_table("contentitem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contentitem_content_ref"))
        batch_op.drop_column("machine_drafted")
        batch_op.drop_column("hold_reasons")
        batch_op.drop_column("content_ref")
