"""The audit log's hash chain: intact passes; a tampered row is named."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from phuxanh import audit, jobs


def test_chain_verifies_and_names_the_tampered_row(db_url: str) -> None:
    with Session(jobs.engine(db_url)) as s:
        ids = [
            audit.record(s, actor="lan", action=f"a{i}", entity="item", entity_id=i).id
            for i in range(5)
        ]
        s.commit()
        assert audit.verify(s) is None
        s.execute(text("UPDATE auditevent SET actor = 'mallory' WHERE id = :id"), {"id": ids[2]})
        s.commit()
        assert audit.verify(s) == ids[2]
