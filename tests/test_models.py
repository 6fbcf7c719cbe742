"""The schema: migrations equal the models, times stay aware UTC, keys stay unique."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from phuxanh.models import AuditEvent, Unit


def test_migrations_match_models(engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_times_come_back_aware_utc(engine) -> None:
    local = dt.datetime(2026, 3, 15, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    with Session(engine) as s:
        s.add(
            AuditEvent(
                at=local,
                actor="a",
                action="x",
                entity="e",
                entity_id="1",
                prev_hash="0" * 64,
                row_hash="1" * 64,
            )
        )
        s.commit()
    with Session(engine) as s:
        got = s.exec(select(AuditEvent)).one().at
    assert got.tzinfo is not None
    assert got == local
    assert got.utcoffset() == dt.timedelta(0)


def test_naive_time_is_refused(engine) -> None:
    with Session(engine) as s:
        s.add(
            AuditEvent(
                at=dt.datetime(2026, 1, 1),
                actor="a",
                action="x",
                entity="e",
                entity_id="1",
                prev_hash="0" * 64,
                row_hash="2" * 64,
            )
        )
        with pytest.raises(Exception, match="naive datetime"):
            s.commit()


def test_unit_codes_are_unique(engine) -> None:
    with Session(engine) as s:
        s.add(Unit(code="hp", name="A"))
        s.add(Unit(code="hp", name="B"))
        with pytest.raises(IntegrityError):
            s.commit()
