"""network: units' own brand, contacts and report header; reporting obligations and their
filings; content packages sent down and their deliveries

Revision ID: 0014_network
Revises: 0013_theme_validity
Create Date: 2026-11-30 10:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from phuxanh.models import UTCDateTime

revision = "0014_network"
down_revision = "0013_theme_validity"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    # plain ADD COLUMN (SQLite too): a batch copy of `unit` would drop a table others
    # reference, which SQLite's foreign keys refuse on a database with rows
    op.add_column("unit", sa.Column("brand", S(length=64), nullable=True))
    op.add_column("unit", sa.Column("hotline", S(length=64), nullable=True))
    op.add_column("unit", sa.Column("address", S(), nullable=True))
    op.add_column(
        "unit", sa.Column("report", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
    )
    op.create_table(
        "obligation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("what", S(), nullable=False),
        sa.Column("to_name", S(), nullable=False),
        sa.Column("to_unit_id", sa.Integer(), nullable=True),
        sa.Column("period", S(length=16), nullable=False),
        sa.Column("due", S(length=32), nullable=False),
        sa.Column("source", S(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["to_unit_id"], ["unit.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_obligation_unit_id", "obligation", ["unit_id"])
    op.create_table(
        "report_filing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("obligation_id", sa.Integer(), nullable=False),
        sa.Column("period_code", S(length=16), nullable=False),
        sa.Column("state", S(length=16), nullable=False),
        sa.Column("number", S(length=64), nullable=True),
        sa.Column("path", S(), nullable=True),
        sa.Column("by", S(length=64), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["obligation_id"], ["obligation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("obligation_id", "period_code"),
    )
    op.create_index("ix_report_filing_obligation_id", "report_filing", ["obligation_id"])
    op.create_table(
        "package",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("source_item_id", sa.Integer(), nullable=False),
        sa.Column("title", S(), nullable=False),
        sa.Column("locked", sa.JSON(), nullable=False),
        sa.Column("note", S(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["source_item_id"], ["contentitem.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_package_unit_id", "package", ["unit_id"])
    op.create_table(
        "package_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("state", S(length=16), nullable=False),
        sa.Column("reason", S(), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["contentitem.id"]),
        sa.ForeignKeyConstraint(["package_id"], ["package.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("package_id", "unit_id"),
    )
    op.create_index("ix_package_delivery_package_id", "package_delivery", ["package_id"])
    op.create_index("ix_package_delivery_unit_id", "package_delivery", ["unit_id"])


def downgrade() -> None:
    op.drop_table("package_delivery")
    op.drop_table("package")
    op.drop_table("report_filing")
    op.drop_table("obligation")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("report")
        batch_op.drop_column("address")
        batch_op.drop_column("hotline")
        batch_op.drop_column("brand")
