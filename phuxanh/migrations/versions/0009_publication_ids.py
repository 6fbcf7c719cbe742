"""publication ids are never reused: AUTOINCREMENT on SQLite

SQLite gives a new row the highest id + 1, so deleting the newest publication (an item
sent back to review) let the next one take its id, and audit rows that named the old
publication came to name the new one. AUTOINCREMENT never hands out an id twice. On
PostgreSQL the id comes from a sequence, which never goes back: nothing to do there.

Revision ID: 0009_pub_ids
Revises: 0008_audit
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_pub_ids"
down_revision = "0008_audit"
branch_labels = None
depends_on = None


def _rebuild(autoincrement: bool) -> None:
    """Recreate `publication` (SQLite cannot alter a primary key in place), keeping every
    row, index and constraint. Rows that reference it (metric snapshots) are set aside
    first and put back after: with foreign keys enforced, as phuxanh connects, dropping
    a table that rows still point at fails, and the pragma cannot be turned off inside
    the migration's transaction."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    inspector = sa.inspect(bind)
    children = [
        t
        for t in inspector.get_table_names()
        if any(fk["referred_table"] == "publication" for fk in inspector.get_foreign_keys(t))
    ]
    # (the table names come from the database's own schema, not from any input)
    for table in children:
        op.execute(f'CREATE TEMP TABLE "_keep_{table}" AS SELECT * FROM "{table}"')  # noqa: S608
        op.execute(f'DELETE FROM "{table}"')  # noqa: S608
    with op.batch_alter_table(
        "publication", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass
    for table in children:
        op.execute(f'INSERT INTO "{table}" SELECT * FROM "_keep_{table}"')  # noqa: S608
        op.execute(f'DROP TABLE "_keep_{table}"')
    if not autoincrement:
        return
    # ids that are gone already may have been handed out twice; from now on none is: the
    # counter starts above every id a row, a metric or an audit row has ever named
    named = [bind.execute(sa.text("SELECT max(id) FROM publication")).scalar()]
    named += [
        int(v)
        for (v,) in bind.execute(
            sa.text("SELECT entity_id FROM auditevent WHERE entity = 'publication'")
        )
        if str(v).isdigit()
    ]
    top = max([n for n in named if n is not None], default=0)
    if top:
        op.execute("DELETE FROM sqlite_sequence WHERE name = 'publication'")
        bind.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('publication', :top)"),
            {"top": top},
        )


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)
