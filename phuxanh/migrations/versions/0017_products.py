"""products beyond social networks: an item's kind (article, press, radio, event) and
press releases with their distribution

Revision ID: 0017_products
Revises: 0016_incident
Create Date: 2026-11-30 12:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from phuxanh.models import UTCDateTime

revision = "0017_products"
down_revision = "0016_incident"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.add_column("contentitem", sa.Column("kind", S(length=16), nullable=True))
    op.create_table(
        "press_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("number", S(length=64), nullable=False),
        sa.Column("title", S(), nullable=False),
        sa.Column("item_ids", sa.JSON(), nullable=False),
        sa.Column("paths", sa.JSON(), nullable=False),
        sa.Column("contact", S(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("distribution", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_press_release_unit_id", "press_release", ["unit_id"])


def downgrade() -> None:
    op.drop_index("ix_press_release_unit_id", table_name="press_release")
    op.drop_table("press_release")
    with op.batch_alter_table("contentitem", schema=None) as batch_op:
        batch_op.drop_column("kind")
