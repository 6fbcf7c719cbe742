"""incidents: false claims and the office's sourced clarifications; an item's incident,
an incident's pause, a unit's spokesperson

Revision ID: 0016_incident
Revises: 0015_urgent
Create Date: 2026-11-30 13:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from phuxanh.models import UTCDateTime

revision = "0016_incident"
down_revision = "0015_urgent"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", S(), nullable=False),
        sa.Column("claim", S(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("severity", S(length=16), nullable=False),
        sa.Column("target_minutes", sa.Integer(), nullable=False),
        sa.Column("status", S(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_live_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("close_note", S(), nullable=True),
        sa.ForeignKeyConstraint(["closed_by_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["opened_by_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incident_unit_id", "incident", ["unit_id"])
    op.create_index("ix_incident_status", "incident", ["status"])
    # plain ADD COLUMN, no foreign key: SQLite cannot add one without a batch copy of the
    # table, and a copy of contentitem or pause would drop tables others reference
    op.add_column("contentitem", sa.Column("incident_id", sa.Integer(), nullable=True))
    op.create_index("ix_contentitem_incident_id", "contentitem", ["incident_id"])
    op.add_column("pause", sa.Column("incident_id", sa.Integer(), nullable=True))
    op.create_index("ix_pause_incident_id", "pause", ["incident_id"])
    op.add_column("unit", sa.Column("spokesperson", S(), nullable=True))
    op.add_column("unit", sa.Column("spokesperson_title", S(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("spokesperson_title")
        batch_op.drop_column("spokesperson")
    op.drop_index("ix_pause_incident_id", table_name="pause")
    with op.batch_alter_table("pause", schema=None) as batch_op:
        batch_op.drop_column("incident_id")
    op.drop_index("ix_contentitem_incident_id", table_name="contentitem")
    with op.batch_alter_table("contentitem", schema=None) as batch_op:
        batch_op.drop_column("incident_id")
    op.drop_index("ix_incident_status", table_name="incident")
    op.drop_index("ix_incident_unit_id", table_name="incident")
    op.drop_table("incident")
