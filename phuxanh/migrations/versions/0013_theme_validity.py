"""theme validity: the days a theme may be posted on (catalog valid_from / valid_until)

Revision ID: 0013_theme_validity
Revises: 0012_desk
Create Date: 2026-11-30 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_theme_validity"
down_revision = "0012_desk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("theme", sa.Column("valid_from", sa.Date(), nullable=True))
    op.add_column("theme", sa.Column("valid_until", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("theme", schema=None) as batch_op:
        batch_op.drop_column("valid_until")
        batch_op.drop_column("valid_from")
