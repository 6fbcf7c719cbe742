"""The audit log's chain: appends are serialised (concurrent writers on SQLite and
PostgreSQL leave one unforked chain), the chain is keyed, and `audit verify` with a head
kept outside the database catches every tampering listed in docs/audit.md."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import stat
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from phuxanh import jobs
from phuxanh.cli.main import app
from phuxanh.core import audit
from phuxanh.core.db import alembic_config, engine_for
from phuxanh.core.errors import ConfigError, PhuxanhError, ValidationFailed
from phuxanh.core.settings import get_settings
from phuxanh.models import AuditEvent

KEY = "k" * 8 + "-test-audit-key-0123456789abcdef"
OTHER_KEY = "attacker-chosen-key-0123456789abcdef"


def use_key(monkeypatch: pytest.MonkeyPatch, key: str | None, old: str | None = None) -> None:
    for name, value in (("PHUXANH_AUDIT_KEY", key), ("PHUXANH_AUDIT_OLD_KEYS", old)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def write(url: str, n: int, *, prefix: str = "a") -> list[int]:
    """n events, one transaction each; their ids."""
    events = []
    with Session(jobs.engine(url)) as s:
        for i in range(n):
            events.append(
                audit.record(
                    s,
                    actor="lan.nguyen",
                    action=f"{prefix}{i}",
                    entity="item",
                    entity_id=i,
                    detail={"i": i},
                )
            )
            s.commit()
        return [e.id or 0 for e in events]


def check(url: str, *anchors: audit.Anchor) -> audit.Verdict:
    with Session(jobs.engine(url)) as s:
        return audit.check(s, anchors)


def forks(url: str) -> int:
    """Rows that chain onto a row another row already chains onto."""
    with Session(jobs.engine(url)) as s:
        return int(
            s.execute(
                text(
                    "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM auditevent "
                    "GROUP BY prev_hash HAVING count(*) > 1) AS shared"
                )
            ).scalar_one()
        )


# --- the basics ---------------------------------------------------------------------------


def test_chain_verifies_and_names_the_tampered_row(db_url: str) -> None:
    ids = write(db_url, 5)
    with Session(jobs.engine(db_url)) as s:
        assert audit.verify(s) is None
        s.execute(text("UPDATE auditevent SET actor = 'mallory' WHERE id = :id"), {"id": ids[2]})
        s.commit()
        assert audit.verify(s) == ids[2]


def test_an_event_is_written_with_its_transaction_or_not_at_all(db_url: str) -> None:
    with Session(jobs.engine(db_url)) as s:
        kept = audit.record(s, actor="a", action="kept", entity="e", entity_id=1)
        assert kept.id is None  # queued: written by the commit, under the head lock
        s.commit()
        assert kept.id is not None and kept.prev_hash == audit.GENESIS
        audit.record(s, actor="a", action="rolled-back", entity="e", entity_id=2)
        s.rollback()
        audit.record(s, actor="a", action="closed", entity="e", entity_id=3)
    with Session(jobs.engine(db_url)) as s:
        audit.record(s, actor="a", action="second", entity="e", entity_id=4)
        s.commit()
        assert list(s.exec(select(AuditEvent.action).order_by(col(AuditEvent.id)))) == [
            "kept",
            "second",
        ]
        found = audit.head(s)
        assert found.rows == 2 and audit.check(s).head == found.anchor


# --- #2: concurrent writers ---------------------------------------------------------------


def _race(url: str, writers: int, each: int) -> list[BaseException]:
    start, errors = threading.Barrier(writers), []

    def run(w: int) -> None:
        try:
            with Session(jobs.engine(url)) as s:  # a session, so a connection, per writer
                start.wait()
                for i in range(each):
                    audit.record(
                        s,
                        actor=f"worker-{w}",
                        action="publication.published",
                        entity="publication",
                        entity_id=w * 1000 + i,
                    )
                    s.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_concurrent_writers_leave_one_unforked_chain(db_url: str) -> None:
    """Issue 13 #2: 8 writers × 100 records each; without the head lock PostgreSQL forked
    the chain (rows sharing a prev_hash) and `audit verify` cried tampering."""
    assert _race(db_url, writers=8, each=100) == []
    assert forks(db_url) == 0
    verdict = check(db_url)
    assert verdict.intact, verdict.line()
    with Session(jobs.engine(db_url)) as s:
        assert verdict.rows == 800 == audit.head(s).rows


on_postgresql = pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@on_postgresql
def test_a_writer_chains_onto_what_committed_before_its_commit(db_url: str) -> None:
    """Deterministic form of the race on PostgreSQL (on SQLite the first write holds the
    database lock until commit): B records, A records and commits, B commits. The old
    read-then-insert chained both onto the same row."""
    engine = jobs.engine(db_url)
    with Session(engine) as a, Session(engine) as b:
        audit.record(b, actor="b", action="first-recorded", entity="e", entity_id=1)
        b.flush()
        audit.record(a, actor="a", action="first-committed", entity="e", entity_id=2)
        a.commit()
        b.commit()
    assert forks(db_url) == 0 and check(db_url).intact


@on_postgresql
def test_the_audit_lock_is_taken_last_so_no_deadlock(db_url: str) -> None:
    """T1 holds a row lock (like the publisher's channel lock) and records; T2 records,
    then waits for that row. Were the audit lock taken at `record`, T2 would hold it while
    waiting for T1, and T1 would wait for it at its commit: a deadlock. (SQLite has one
    lock for the whole database: nothing to order there.)"""
    engine = jobs.engine(db_url)
    with Session(engine) as s:
        s.execute(text("INSERT INTO unit (code, name, level) VALUES ('u', 'U', 'city')"))
        s.commit()
    t1_locked, t2_waiting, errors = threading.Event(), threading.Event(), []

    def t1() -> None:
        try:
            with Session(engine) as s:
                s.execute(text("SELECT id FROM unit WHERE code = 'u' FOR UPDATE"))
                t1_locked.set()
                t2_waiting.wait(10)
                time.sleep(0.3)  # T2 is now blocked on the unit row
                audit.record(s, actor="t1", action="channel.locked", entity="unit", entity_id=1)
                s.commit()
        except BaseException as exc:
            errors.append(exc)

    def t2() -> None:
        try:
            with Session(engine) as s:
                t1_locked.wait(10)
                audit.record(s, actor="t2", action="unit.rename", entity="unit", entity_id=1)
                t2_waiting.set()
                s.execute(text("UPDATE unit SET name = 'U2' WHERE code = 'u'"))
                s.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=t1), threading.Thread(target=t2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    verdict = check(db_url)
    assert verdict.intact and verdict.rows == 2


# --- #3: keyed chain, anchors, tampering --------------------------------------------------


def _rows(s: Session) -> list[AuditEvent]:
    return list(s.exec(select(AuditEvent).order_by(col(AuditEvent.id))))


def _set_head(s: Session) -> None:
    """What an attacker who knows the schema does after cutting rows: fix the head row."""
    rows = _rows(s)
    s.execute(
        text("UPDATE audithead SET n_rows = :n, last_id = :i, last_hash = :h, key_id = :k"),
        {
            "n": len(rows),
            "i": rows[-1].id if rows else None,
            "h": rows[-1].row_hash if rows else audit.GENESIS,
            "k": rows[-1].key_id if rows else None,
        },
    )


def _recompute(
    s: Session, *, edit_position: int | None, key: str | None, downgrade: bool = False
) -> None:
    """Edit one row, then recompute every hash after it (the attacker knows the code; the
    key is one of their own, or none), and fix the head row."""
    rows = _rows(s)
    prev = audit.GENESIS
    for position, row in enumerate(rows):
        start = 0 if edit_position is None else edit_position
        if position == edit_position:
            row.actor = "mallory"
        if position >= start:
            if downgrade:
                row.key_id = None
            elif key is not None:
                row.key_id = audit.key_id(key)
            row.prev_hash = prev
            row.row_hash = audit._row_hash(prev, row, key.encode() if key else None)
            s.execute(
                text(
                    "UPDATE auditevent SET actor = :a, key_id = :k, prev_hash = :p, "
                    "row_hash = :h WHERE id = :id"
                ),
                {
                    "a": row.actor,
                    "k": row.key_id,
                    "p": row.prev_hash,
                    "h": row.row_hash,
                    "id": row.id,
                },
            )
        prev = row.row_hash
    _set_head(s)


def _swap(s: Session, ids: list[int], a: int, b: int) -> None:
    """Two rows trade places in the chain's order."""
    for old, new in ((ids[a], -1), (ids[b], ids[a]), (-1, ids[b])):
        s.execute(text("UPDATE auditevent SET id = :new WHERE id = :old"), {"old": old, "new": new})


def _append_forged(s: Session, ids: list[int]) -> None:
    """A row added by hand at the end, chained and hashed as phuxanh would, bar the key."""
    last = _rows(s)[-1]
    forged = AuditEvent(
        at=last.at,
        actor="mallory",
        action="item.approve",
        entity="item",
        entity_id="1",
        detail={},
        prev_hash=last.row_hash,
        row_hash="",
        key_id=last.key_id,
    )
    forged.row_hash = audit._row_hash(last.row_hash, forged)
    s.execute(
        text(
            "INSERT INTO auditevent (at, actor, action, entity, entity_id, detail, "
            "prev_hash, row_hash, key_id) SELECT at, 'mallory', 'item.approve', 'item', "
            "'1', '{}', :p, :h, key_id FROM auditevent WHERE id = :id"
        ),
        {"p": last.row_hash, "h": forged.row_hash, "id": last.id},
    )


def _sql(*statements: str) -> Callable[[Session, list[int]], None]:
    def run(s: Session, ids: list[int]) -> None:
        for statement in statements:
            s.execute(text(statement.format(*ids)))

    return run


def _then(
    first: Callable[[Session, list[int]], None], then: Callable[[Session], None]
) -> Callable[[Session, list[int]], None]:
    def run(s: Session, ids: list[int]) -> None:
        first(s, ids)
        then(s)

    return run


@dataclass
class Tamper:
    name: str
    keyed: bool  # the log was written with PHUXANH_AUDIT_KEY
    act: Callable[[Session, list[int]], None]
    anchored: bool  # `verify --head` with the head taken before the tampering
    blamed: int | None  # position of the row named, None: rows missing at the end
    says: str


TAMPERING = [
    Tamper(
        "edited field",
        True,
        _sql("UPDATE auditevent SET action = 'x' WHERE id = {2}"),
        False,
        2,
        "its hash does not chain",
    ),
    Tamper(
        "edited field, unkeyed log",
        False,
        _sql("UPDATE auditevent SET detail = '{{}}' WHERE id = {3}"),
        False,
        3,
        "its hash does not chain",
    ),
    Tamper(
        "deleted first row",
        True,
        _sql("DELETE FROM auditevent WHERE id = {0}"),
        False,
        1,
        "does not start from the genesis hash",
    ),
    Tamper(
        "deleted middle row",
        True,
        _sql("DELETE FROM auditevent WHERE id = {2}"),
        False,
        3,
        "does not chain onto row",
    ),
    Tamper(
        "deleted last row",
        True,
        _sql("DELETE FROM auditevent WHERE id = {5}"),
        False,
        None,
        "head row counts 6 rows",
    ),
    Tamper(
        "deleted last row, head row fixed",
        True,
        _then(_sql("DELETE FROM auditevent WHERE id = {5}"), _set_head),
        True,
        None,
        "names row 6, but the log has 5 rows",
    ),
    Tamper(
        "deleted last 3 rows, head row fixed",
        False,
        _then(_sql("DELETE FROM auditevent WHERE id >= {3}"), _set_head),
        True,
        None,
        "names row 6, but the log has 3 rows",
    ),
    Tamper(
        "emptied table", True, _sql("DELETE FROM auditevent"), False, None, "the table was emptied"
    ),
    Tamper(
        "emptied table, head row reset",
        True,
        _then(_sql("DELETE FROM auditevent"), _set_head),
        True,
        None,
        "but the log has 0 rows: the newest rows were deleted (the table was emptied)",
    ),
    Tamper(
        "swapped rows",
        True,
        lambda s, ids: _swap(s, ids, 2, 3),
        False,
        2,
        "does not chain onto row",
    ),
    Tamper(
        "recomputed without the key",
        True,
        lambda s, ids: _recompute(s, edit_position=1, key=None),
        False,
        1,
        "its hash does not chain",
    ),
    Tamper(
        "recomputed with the attacker's own key",
        True,
        lambda s, ids: _recompute(s, edit_position=1, key=OTHER_KEY),
        False,
        1,
        "neither PHUXANH_AUDIT_KEY nor one of PHUXANH_AUDIT_OLD_KEYS",
    ),
    Tamper(
        "keyed log recomputed as unkeyed",
        True,
        lambda s, ids: _recompute(s, edit_position=None, key=None, downgrade=True),
        True,
        5,
        "does not match the anchor",
    ),
    Tamper(
        "unkeyed log recomputed",
        False,
        lambda s, ids: _recompute(s, edit_position=2, key=None),
        True,
        5,
        "does not match the anchor",
    ),
    Tamper(
        "row added outside phuxanh",
        False,
        _append_forged,
        False,
        6,
        "rows were added outside phuxanh",
    ),
    Tamper(
        "row added outside phuxanh, keyed log",
        True,
        _append_forged,
        False,
        6,
        "its hash does not chain",
    ),
]


@pytest.mark.parametrize("case", TAMPERING, ids=[t.name for t in TAMPERING])
def test_verify_catches_tampering(
    case: Tamper, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_key(monkeypatch, KEY if case.keyed else None)
    ids = write(db_url, 6)
    before = check(db_url)
    assert before.intact and before.rows == 6, before.line()
    assert before.keyed == (6 if case.keyed else 0)
    with Session(jobs.engine(db_url)) as s:
        case.act(s, ids)
        s.commit()
    verdict = check(db_url, *([before.head] if case.anchored else []))
    assert not verdict.intact, f"{case.name}: not caught"
    assert case.says in (verdict.problem or ""), verdict.line()
    with Session(jobs.engine(db_url)) as s:
        now = [e.id for e in _rows(s)]
    expected_row = None if case.blamed is None else [*ids, *now[6:]][case.blamed]
    assert verdict.bad_row == expected_row, verdict.line()
    line = verdict.line()
    assert "\n" not in line and line.startswith("audit log broken")
    if expected_row is not None:
        assert f"at row {expected_row}:" in line


def test_what_the_chain_alone_cannot_see_is_said(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the key a recomputed chain passes, and without an anchor a keyed log rewritten
    whole as unkeyed passes too: `verify` says both, and the anchor catches them (above)."""
    use_key(monkeypatch, None)
    write(db_url, 4)
    with Session(jobs.engine(db_url)) as s:
        _recompute(s, edit_position=1, key=None)
        s.commit()
    verdict = check(db_url)
    assert verdict.intact and "a rewrite with recomputed hashes would pass" in verdict.line()
    assert "no --head given" in verdict.line()


def test_an_anchor_still_matches_after_the_log_grew(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_key(monkeypatch, KEY)
    write(db_url, 3)
    first = check(db_url).head
    write(db_url, 4, prefix="b")
    short = audit.parse_anchor(f"{first.rows}:{first.hash[:16].upper()}")
    verdict = check(db_url, first, short, audit.Anchor(0, audit.GENESIS))
    assert verdict.intact and verdict.rows == 7 and verdict.anchors == 3, verdict.line()
    assert f"keyed ({audit.key_id(KEY)})" in verdict.line()


def test_unkeyed_rows_then_keyed_then_a_rotation(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_key(monkeypatch, None)
    write(db_url, 2)
    use_key(monkeypatch, KEY)
    write(db_url, 2, prefix="k")
    verdict = check(db_url)
    assert verdict.intact and (verdict.unkeyed, verdict.keyed) == (2, 2), verdict.line()
    assert "the first 2 rows predate the key" in verdict.line()
    new = audit.new_key()
    use_key(monkeypatch, new, old=f"{KEY}")
    write(db_url, 1, prefix="r")
    verdict = check(db_url)
    assert verdict.intact and verdict.key_ids == [audit.key_id(KEY), audit.key_id(new)]
    use_key(monkeypatch, new)  # the old key forgotten: its rows cannot be checked
    verdict = check(db_url)
    assert not verdict.intact and "neither PHUXANH_AUDIT_KEY" in (verdict.problem or "")


def test_rows_from_before_the_key_are_guarded_by_the_first_keyed_row(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_key(monkeypatch, None)
    write(db_url, 3)
    use_key(monkeypatch, KEY)
    ids = write(db_url, 2, prefix="k")
    with Session(jobs.engine(db_url)) as s:  # rewrite an unkeyed row, recompute up to the key
        rows = _rows(s)
        rows[1].actor, prev = "mallory", rows[0].row_hash
        for row in rows[1:3]:
            row.prev_hash, row.row_hash = prev, audit._row_hash(prev, row)
            prev = row.row_hash
            s.add(row)
        s.commit()
    verdict = check(db_url)
    assert verdict.bad_row == ids[0] and "does not chain onto row" in (verdict.problem or "")


def test_a_worker_without_the_key_cannot_write_to_a_keyed_log(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_key(monkeypatch, KEY)
    write(db_url, 1)
    for key, said in ((None, "PHUXANH_AUDIT_KEY is not set"), (OTHER_KEY, "give every worker")):
        use_key(monkeypatch, key)
        with Session(jobs.engine(db_url)) as s:
            audit.record(s, actor="a", action="x", entity="e", entity_id=1)
            with pytest.raises(ConfigError, match=said):
                s.commit()
    use_key(monkeypatch, None)
    verdict = check(db_url)
    assert verdict.rows == 0 and "PHUXANH_AUDIT_KEY is not set: it cannot be checked" in (
        verdict.problem or ""
    )
    use_key(monkeypatch, KEY)
    assert check(db_url).intact and check(db_url).rows == 1


def test_a_short_key_is_refused_with_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    use_key(monkeypatch, "short")
    with pytest.raises(ConfigError, match="PHUXANH_AUDIT_KEY: a key of 5 characters"):
        audit.keyring()


def test_a_missing_head_row_is_made_again_and_says_so(db_url: str) -> None:
    write(db_url, 2)
    with Session(jobs.engine(db_url)) as s:
        s.execute(text("DELETE FROM audithead"))
        s.commit()
    assert "head row (table audithead) is missing" in (check(db_url).problem or "")
    write(db_url, 1, prefix="after")
    with Session(jobs.engine(db_url)) as s:
        actions = [e.action for e in _rows(s)]
    assert actions == ["a0", "a1", "audit.head_rebuilt", "after0"]
    assert check(db_url).intact


# --- rows written before this change -------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def schema_0007(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database at the schema before the audit head (revision 0007)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        if cluster is None:
            pytest.skip("PostgreSQL binaries not found")
        name = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(cluster.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = cluster.url.rsplit("/", 1)[0] + f"/{name}"
    engine = engine_for(url)
    cfg = alembic_config(url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0007")
    yield url
    engine.dispose()
    if request.param != "sqlite":
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _legacy_hash(prev: str, row: dict[str, object]) -> str:
    """How rows were hashed before keys: SHA-256 of prev_hash + the canonical row."""
    body = {
        "at": row["at"],
        "actor": row["actor"],
        "action": row["action"],
        "entity": row["entity"],
        "entity_id": row["entity_id"],
        "before": None,
        "after": None,
        "detail": row["detail"],
    }
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev + canonical).encode()).hexdigest()


def test_rows_from_before_the_key_verify_after_the_migration(
    schema_0007: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = schema_0007
    engine = engine_for(url)
    prev = audit.GENESIS
    with engine.begin() as conn:
        for i in range(3):
            at = dt.datetime(2026, 3, 1, 8, i, tzinfo=dt.UTC)
            row = {
                "at": at.isoformat(),
                "actor": "minh.trần",
                "action": f"item.approve{i}",
                "entity": "item",
                "entity_id": str(i),
                "detail": {"lý do": "đúng"},
            }
            h = _legacy_hash(prev, row)
            conn.execute(
                text(
                    "INSERT INTO auditevent (at, actor, action, entity, entity_id, detail, "
                    "prev_hash, row_hash) VALUES (:at, :actor, :action, :entity, :entity_id, "
                    ":detail, :prev, :h)"
                ),
                {
                    **row,
                    "at": at.replace(tzinfo=None) if url.startswith("sqlite") else at,
                    "detail": json.dumps(row["detail"]),
                    "prev": prev,
                    "h": h,
                },
            )
            prev = h
    cfg = alembic_config(url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    with Session(engine) as s:
        assert audit.head(s) == audit.Head(3, prev, 3, None)
    use_key(monkeypatch, KEY)
    write(url, 2, prefix="keyed")
    verdict = check(url, audit.Anchor(3, prev))
    assert verdict.intact and (verdict.unkeyed, verdict.keyed, verdict.rows) == (3, 2, 5), (
        verdict.line()
    )


# --- the commands --------------------------------------------------------------------------


runner = CliRunner()


def test_cli_verify_head_and_head_file(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_key(monkeypatch, KEY)
    ids = write(db_url, 4)
    shown = runner.invoke(app, ["audit", "head", "--database", db_url])
    assert shown.exit_code == 0, shown.output
    anchor = shown.stdout.split()[-1]
    assert anchor.startswith("4:") and audit.parse_anchor(anchor).rows == 4
    ok = runner.invoke(app, ["audit", "verify", "--head", anchor, "--database", db_url])
    assert ok.exit_code == 0 and ok.stdout.count("\n") == 1
    assert ok.stdout.startswith(f"audit log intact: 4 rows, head {anchor}; keyed")
    heads = tmp_path / "audit-head"
    for _ in range(2):
        added = runner.invoke(app, ["audit", "head", "--append", str(heads), "--database", db_url])
        assert added.exit_code == 0, added.output
    assert stat.S_IMODE(heads.stat().st_mode) == 0o600
    assert [line.split()[-1] for line in heads.read_text().splitlines()] == [anchor, anchor]
    assert "the log matches the 1 earlier head in it" in added.stdout
    with Session(jobs.engine(db_url)) as s:  # cut the newest row and cover the tracks
        s.execute(text("DELETE FROM auditevent WHERE id = :id"), {"id": ids[-1]})
        _set_head(s)
        s.commit()
    plain = runner.invoke(app, ["audit", "verify", "--database", db_url])
    assert plain.exit_code == 0  # the database alone cannot tell: the anchors can
    for args in (["--head", anchor], ["--head-file", str(heads)]):
        bad = runner.invoke(app, ["audit", "verify", *args, "--database", db_url])
        assert bad.exit_code != 0 and isinstance(bad.exception, PhuxanhError)
        assert str(bad.exception).startswith(
            f"audit log broken after row {ids[-2]}: the anchor {anchor} names row 4"
        )
    refused = runner.invoke(app, ["audit", "head", "--append", str(heads), "--database", db_url])
    assert refused.exit_code != 0 and "nothing added" in str(refused.exception)
    assert len(heads.read_text().splitlines()) == 2
    as_json = runner.invoke(
        app, ["audit", "verify", "--head", anchor, "--json", "--database", db_url]
    )
    verdict = json.loads(as_json.stdout)
    assert as_json.exit_code == 1 and verdict["intact"] is False and verdict["rows"] == 3
    assert verdict["bad_row"] is None and "names row 4" in verdict["problem"]


def test_cli_refuses_a_malformed_head(db_url: str, tmp_path: Path) -> None:
    bad = runner.invoke(
        app, ["audit", "verify", "--head", "nonsense", "--head", "3:abc", "--database", db_url]
    )
    assert isinstance(bad.exception, ValidationFailed)
    assert len(bad.exception.problems) == 2
    assert bad.exception.problems[0].startswith("--head: expected ROWS:HASH")
    heads = tmp_path / "heads"
    heads.write_text("# kept by the office\n\n2026-11-24T06:00:00+00:00 zz\n")
    bad = runner.invoke(app, ["audit", "verify", "--head-file", str(heads), "--database", db_url])
    assert isinstance(bad.exception, ValidationFailed)
    assert bad.exception.problems[0].startswith(f"{heads}:3: head: expected ROWS:HASH")
    missing = runner.invoke(
        app, ["audit", "verify", "--head-file", str(tmp_path / "none"), "--database", db_url]
    )
    assert isinstance(missing.exception, ValidationFailed)
    assert "cannot read" in missing.exception.problems[0]


def test_cli_new_key_is_a_usable_key() -> None:
    made = runner.invoke(app, ["audit", "new-key"])
    key = made.stdout.strip()
    assert made.exit_code == 0 and len(key) >= audit.MIN_KEY_CHARS
    assert audit.key_id(key) != audit.key_id(audit.new_key())


# --- the head in every periodic report -----------------------------------------------------


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_report_format_prints_the_audit_head(db_url: str, tmp_path: Path) -> None:
    """The report goes to the level above, on paper and by mail: a copy of the head
    nobody who edits the database can reach, for `audit verify --head` later."""
    import shutil
    import subprocess

    from docx import Document
    from openpyxl import load_workbook

    write(db_url, 3)
    with Session(jobs.engine(db_url)) as s:
        anchor = str(audit.head(s).anchor)
    texts = {}
    for fmt in ("docx", "xlsx", "pdf"):
        out = tmp_path / f"r.{fmt}"
        jobs.report(
            period="2026-Q1",
            unit_code=None,
            fmt=fmt,
            out=out,
            database_url=db_url,
            today=dt.date(2026, 4, 5),
        )
        if fmt == "docx":
            texts[fmt] = "\n".join(p.text for p in Document(str(out)).paragraphs)
        elif fmt == "xlsx":
            texts[fmt] = "\n".join(
                str(v)
                for row in load_workbook(out)["Tổng hợp"].iter_rows(values_only=True)
                for v in row
            )
        elif shutil.which("pdftotext") is not None:
            texts[fmt] = subprocess.run(
                ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
            ).stdout.replace("\n", "")
    for fmt, words in texts.items():
        assert anchor in words, fmt
    assert audit.parse_anchor(anchor).rows == 3
    assert check(db_url, audit.parse_anchor(anchor)).intact
