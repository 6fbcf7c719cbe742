"""publication: the latest metrics reading beside the history; time indexes for pages

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 07:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import phuxanh.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("slot", schema=None) as batch_op:
        batch_op.create_index("ix_slot_time", ["scheduled_at"])
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latest_views", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("latest_reach", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("latest_engagement", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("metrics_at", phuxanh.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_publication_published", ["state", "published_at"])
        batch_op.create_index("ix_publication_reach", ["latest_reach"])
    op.execute(
        "UPDATE publication SET latest_views = m.views, latest_reach = m.reach, "
        "latest_engagement = coalesce(m.reactions, 0) + coalesce(m.comments, 0) "
        "+ coalesce(m.shares, 0), metrics_at = m.collected_at FROM metricsnapshot m "
        "WHERE m.id = (SELECT max(id) FROM metricsnapshot WHERE publication_id = publication.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("slot", schema=None) as batch_op:
        batch_op.drop_index("ix_slot_time")
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.drop_index("ix_publication_reach")
        batch_op.drop_index("ix_publication_published")
        batch_op.drop_column("metrics_at")
        batch_op.drop_column("latest_engagement")
        batch_op.drop_column("latest_reach")
        batch_op.drop_column("latest_views")
