"""media paths relative to the media root: rows that name a file under PHUXANH_MEDIA_DIR
(as the host running `phuxanh init` sets it) keep only the part under it, so every worker
finds the file under its own mount of the shared directory; other absolute paths stay
(phuxanh/media/stored.py reads both)

Revision ID: 0011_media_rel
Revises: 0010_sign_in
Create Date: 2026-11-30 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from phuxanh.core.settings import get_settings

revision = "0011_media_rel"
down_revision = "0010_sign_in"
branch_labels = None
depends_on = None

COLUMNS = (("contentitem", "media_path"), ("asset", "path"))


def _root() -> str:
    return get_settings().media_dir.resolve().as_posix().rstrip("/") + "/"


def upgrade() -> None:
    root = _root()
    for table, column in COLUMNS:  # a prefix compared exactly (no LIKE wildcards in paths)
        # table and column are the constants above; the paths are bound parameters
        sql = (
            f"UPDATE {table} SET {column} = substr({column}, :start) "  # noqa: S608
            f"WHERE substr({column}, 1, :n) = :root"
        )
        op.execute(sa.text(sql).bindparams(start=len(root) + 1, n=len(root), root=root))


def downgrade() -> None:
    root = _root()
    for table, column in COLUMNS:
        sql = (
            f"UPDATE {table} SET {column} = :root || {column} "  # noqa: S608
            f"WHERE {column} IS NOT NULL AND {column} != '' AND substr({column}, 1, 1) != '/'"
        )
        op.execute(sa.text(sql).bindparams(root=root))
