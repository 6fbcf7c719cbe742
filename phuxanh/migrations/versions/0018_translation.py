"""translations of catalog texts (reviewed before use) and the languages a user reads

Revision ID: 0018_translation
Revises: 0017_products
Create Date: 2026-11-30 12:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from phuxanh.models import UTCDateTime

revision = "0018_translation"
down_revision = "0017_products"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "translation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", S(length=16), nullable=False),
        sa.Column("ref", S(length=96), nullable=False),
        sa.Column("lang", S(length=8), nullable=False),
        sa.Column("text", S(), nullable=False),
        sa.Column("status", S(length=16), nullable=False),
        sa.Column("machine_drafted", sa.Boolean(), nullable=False),
        sa.Column("drafted_by", S(length=64), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "ref", "lang"),
    )
    op.create_index("ix_translation_ref", "translation", ["ref"])
    op.add_column(
        "user", sa.Column("languages", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
    )


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("languages")
    op.drop_index("ix_translation_ref", table_name="translation")
    op.drop_table("translation")
