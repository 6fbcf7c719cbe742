"""channel_token: sealed OAuth token sets, with a refresh lease per channel

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from phuxanh.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_token",
        sa.Column("channel_id", sa.Integer(), sa.ForeignKey("channel.id"), primary_key=True),
        sa.Column("sealed", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("seed_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("refresh_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("lock_owner", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("lock_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("channel_token")
