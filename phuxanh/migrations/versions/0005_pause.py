"""crisis pause: global or per channel, audited, checked before every send

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 08:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import phuxanh.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("started_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("started_at", phuxanh.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("ended_at", phuxanh.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pause", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pause_channel_id"), ["channel_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pause", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pause_channel_id"))
    op.drop_table("pause")
