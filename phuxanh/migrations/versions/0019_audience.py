"""audiences of themes, channels and items; hashtags per language; metric breakdowns

Revision ID: 0019_audience
Revises: 0018_translation
Create Date: 2026-11-30 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_audience"
down_revision = "0018_translation"
branch_labels = None
depends_on = None

ADDED = [
    ("theme", "lang_hashtags", "'{}'"),
    ("theme", "audiences", "'[]'"),
    ("channel", "audiences", "'[]'"),
    ("contentitem", "audiences", "'[]'"),
    ("metricsnapshot", "breakdown", "'{}'"),
]


def upgrade() -> None:
    for table, column, empty in ADDED:
        op.add_column(
            table, sa.Column(column, sa.JSON(), nullable=False, server_default=sa.text(empty))
        )


def downgrade() -> None:
    for table, column, _ in reversed(ADDED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
