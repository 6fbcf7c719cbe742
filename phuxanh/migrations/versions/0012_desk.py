"""desk: item versions, the review conversation, the mail outbox and the notifier's cursor

Revision ID: 0012_desk
Revises: 0011_media_rel
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from phuxanh.models import UTCDateTime

revision = "0012_desk"
down_revision = "0011_media_rel"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "item_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_item_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("caption", S(), nullable=False),
        sa.Column("captions", sa.JSON(), nullable=False),
        sa.Column("media_path", S(), nullable=True),
        sa.Column("alt_text", S(), nullable=True),
        sa.Column("card_values", sa.JSON(), nullable=False),
        sa.Column("scheduled_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("channel_ids", sa.JSON(), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=False),
        sa.Column("note", S(), nullable=True),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["content_item_id"], ["contentitem.id"]),
        sa.ForeignKeyConstraint(["editor_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_item_version_content_item_id", "item_version", ["content_item_id"])
    op.create_table(
        "item_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_item_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", S(length=16), nullable=False),
        sa.Column("text", S(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["content_item_id"], ["contentitem.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_item_comment_content_item_id", "item_comment", ["content_item_id"])
    op.create_table(
        "mail_out",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("to_address", S(length=254), nullable=False),
        sa.Column("subject", S(length=255), nullable=False),
        sa.Column("body", S(), nullable=False),
        sa.Column("content_item_id", sa.Integer(), nullable=True),
        sa.Column("audit_event_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", S(), nullable=True),
        sa.ForeignKeyConstraint(["content_item_id"], ["contentitem.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mail_out_user_id", "mail_out", ["user_id"])
    op.create_index("ix_mail_out_audit_event_id", "mail_out", ["audit_event_id"])
    op.create_table(
        "notify_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("notify_cursor")
    op.drop_index("ix_mail_out_audit_event_id", table_name="mail_out")
    op.drop_index("ix_mail_out_user_id", table_name="mail_out")
    op.drop_table("mail_out")
    op.drop_index("ix_item_comment_content_item_id", table_name="item_comment")
    op.drop_table("item_comment")
    op.drop_index("ix_item_version_content_item_id", table_name="item_version")
    op.drop_table("item_version")
