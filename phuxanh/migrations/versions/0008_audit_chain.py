"""audit chain: a key id per row (HMAC-SHA256 when set), and the one-row head that
serialises appends

Revision ID: 0008_audit
Revises: 0007
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_audit"
down_revision = "0007"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
    head = op.create_table(
        "audithead",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=True),
        sa.Column("last_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    # the head of the rows already there (all unkeyed): what they end with and how many
    bind = op.get_bind()
    n_rows = bind.execute(sa.text("SELECT count(*) FROM auditevent")).scalar_one()
    last = bind.execute(
        sa.text("SELECT id, row_hash FROM auditevent ORDER BY id DESC LIMIT 1")
    ).first()
    op.bulk_insert(
        head,
        [
            {
                "id": 1,
                "n_rows": n_rows,
                "last_id": last[0] if last else None,
                "last_hash": last[1] if last else GENESIS,
                "key_id": None,
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("audithead")
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.drop_column("key_id")
