"""The audit log: append-only, each row chained to the one before, keyed with a secret
kept outside the database, its newest row anchored outside the database too.

The chain. row_hash = HMAC-SHA256(PHUXANH_AUDIT_KEY, prev_hash + canonical row) for a keyed
row (`key_id` names the key, never the key itself), SHA-256(prev_hash + canonical row) for
an unkeyed one (`key_id` NULL: rows written before a key was set, or with none). The first
row's prev_hash is GENESIS. Once a row is keyed, every later row must be keyed.

Appending. `record` only queues the event on the session; the session's commit writes the
queued events last, after every other change of the transaction is flushed, under the lock
of the one-row head table (`UPDATE audithead … RETURNING`: a row lock on PostgreSQL, the
database write lock on SQLite, taken before the head is read, so no two writers ever chain
onto the same row). The audit lock is thus the last lock a transaction takes and is held
only while its commit ends: no lock-order deadlock with the publisher's claims, channel
locks or item rows. A rolled-back transaction writes none of its events.

Anchoring. `head` is "ROWS:HASH", the number of rows and the hash of the newest one. Kept
outside the database (the head file `audit head --append FILE` writes, the line in every
periodic report), it lets `verify` see what the chain alone cannot: rows deleted from the
end, an emptied table, a whole chain recomputed. What each check catches is in docs/audit.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from sqlalchemy import event as sa_event
from sqlalchemy import func, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from phuxanh.core.errors import ConfigError, ValidationFailed
from phuxanh.core.settings import get_settings
from phuxanh.models import AuditEvent, AuditHead, utcnow

GENESIS = "0" * 64
MIN_KEY_CHARS = 32
MIN_ANCHOR_HEX = 16  # a head copied from paper may be shortened to its first 16 hex digits
_PENDING = "phuxanh.core.audit.pending"
_HEAD = AuditHead.__table__  # type: ignore[attr-defined]


# --- keys -------------------------------------------------------------------------------


def new_key() -> str:
    """A fresh PHUXANH_AUDIT_KEY (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def key_id(secret: str) -> str:
    """A public name for a key: changes with the key, reveals nothing of it."""
    return "k" + hashlib.sha256(b"phuxanh audit key id\0" + secret.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Keyring:
    current: str | None  # the id of PHUXANH_AUDIT_KEY, None when it is unset
    keys: dict[str, bytes]  # every configured key (current and old) by id


def keyring() -> Keyring:
    """The configured keys; a key too short to be a secret is refused, with the setting."""
    settings = get_settings()
    current = settings.audit_key.get_secret_value().strip() if settings.audit_key else ""
    old_raw = settings.audit_old_keys.get_secret_value() if settings.audit_old_keys else ""
    olds = [k for k in re.split(r"[\s,]+", old_raw) if k]
    named = [("PHUXANH_AUDIT_KEY", current)] + [("PHUXANH_AUDIT_OLD_KEYS", k) for k in olds]
    for name, value in named:
        if value and len(value) < MIN_KEY_CHARS:
            raise ConfigError(
                f"{name}: a key of {len(value)} characters is too short (at "
                f"least {MIN_KEY_CHARS}; `phuxanh audit new-key` makes one)"
            )
    return Keyring(
        current=key_id(current) if current else None,
        keys={key_id(v): v.encode() for _name, v in named if v},
    )


# --- hashing ----------------------------------------------------------------------------


def _canonical(event: AuditEvent) -> str:
    body: dict[str, Any] = {
        "at": event.at.isoformat(),
        "actor": event.actor,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "before": event.before_hash,
        "after": event.after_hash,
        "detail": event.detail,
    }
    if event.key_id is not None:  # unkeyed rows keep the body they were written with
        body["key"] = event.key_id
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _row_hash(prev_hash: str, event: AuditEvent, key: bytes | None = None) -> str:
    message = (prev_hash + _canonical(event)).encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# --- appending --------------------------------------------------------------------------


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    before_hash: str | None = None,
    after_hash: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Callers hold the transaction that made the change it records:
    the event is written when that transaction commits (and never if it rolls back), so
    its id and hashes are set only after the commit."""
    event = AuditEvent(
        at=utcnow().replace(microsecond=0),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before_hash=before_hash,
        after_hash=after_hash,
        detail=detail or {},
        prev_hash="",
        row_hash="",
    )
    nested = session.get_nested_transaction()
    session.info.setdefault(_PENDING, []).append((nested, event))
    return event


def _lock_head(session: OrmSession, adding: int) -> tuple[int, str, str | None]:
    """Lock the head row and count `adding` rows onto it: (rows, last hash, its key id),
    read after the lock, so always the newest committed head."""
    statement = (
        update(_HEAD)
        .where(_HEAD.c.id == 1)
        .values(n_rows=_HEAD.c.n_rows + adding)
        .returning(_HEAD.c.n_rows, _HEAD.c.last_hash, _HEAD.c.key_id)
    )
    row = session.execute(statement).first()
    if row is None:
        return -1, GENESIS, None
    return int(row[0]), str(row[1]), row[2]


def _rebuild_head(session: OrmSession) -> None:
    """The head row is missing (deleted, or tables made without the migrations): make it
    again from the chain as it stands. Two writers doing it at once insert one row."""
    n_rows = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    last = session.execute(
        select(col(AuditEvent.id), col(AuditEvent.row_hash), col(AuditEvent.key_id))
        .order_by(col(AuditEvent.id).desc())
        .limit(1)
    ).first()
    values = {
        "id": 1,
        "n_rows": n_rows,
        "last_id": last[0] if last else None,
        "last_hash": last[1] if last else GENESIS,
        "key_id": last[2] if last else None,
    }
    bind = session.get_bind()
    insert: Any
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(_HEAD).values(**values).on_conflict_do_nothing())


def _write_pending(session: OrmSession) -> None:
    """Write the queued events at the end of the transaction, under the head lock."""
    if session.get_nested_transaction() is not None:
        return  # a SAVEPOINT is released: the events wait for the outer commit
    queued = session.info.pop(_PENDING, None)
    if not queued:
        return
    events: list[AuditEvent] = [e for _t, e in queued]
    ring = keyring()
    session.flush()  # this transaction's own changes, and their locks, come first
    rows, prev, head_key = _lock_head(session, len(events))
    if rows < 0:  # no head row: rebuild it, and say so in the chain itself
        _rebuild_head(session)
        events.insert(
            0,
            AuditEvent(
                at=utcnow().replace(microsecond=0),
                actor="audit",
                action="audit.head_rebuilt",
                entity="audit",
                entity_id="head",
                detail={"reason": "the head row was missing"},
                prev_hash="",
                row_hash="",
            ),
        )
        rows, prev, head_key = _lock_head(session, len(events))
        if rows < 0:
            raise ConfigError("the audit head row cannot be made again: run `phuxanh init`")
    if head_key is not None and (ring.current is None or head_key not in ring.keys):
        shown = "is not set" if ring.current is None else f"is key {ring.current}"
        raise ConfigError(
            f"PHUXANH_AUDIT_KEY {shown}, but the audit log's newest row is sealed with key "
            f"{head_key}: give every worker the same key (after a rotation, the old one goes "
            "in PHUXANH_AUDIT_OLD_KEYS)"
        )
    key = ring.keys[ring.current] if ring.current else None
    for event in events:
        event.key_id = ring.current
        event.prev_hash = prev
        event.row_hash = prev = _row_hash(prev, event, key)
        session.add(event)
    session.flush()
    session.execute(
        update(_HEAD)
        .where(_HEAD.c.id == 1)
        .values(last_id=events[-1].id, last_hash=prev, key_id=ring.current)
    )


def _drop_rolled_back(session: OrmSession, previous: SessionTransaction) -> None:
    """A rolled-back SAVEPOINT takes the events recorded inside it along."""
    if not previous.nested:
        return
    queued = session.info.get(_PENDING)
    if not queued:
        return

    def inside(t: SessionTransaction | None) -> bool:
        while t is not None:
            if t is previous:
                return True
            t = t.parent
        return False

    session.info[_PENDING] = [(t, e) for t, e in queued if not inside(t)]


def _forget(session: OrmSession, transaction: SessionTransaction) -> None:
    """A transaction that ends without its commit writing them (rollback, close) leaves
    no queued events behind for the session's next transaction."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


sa_event.listen(OrmSession, "before_commit", _write_pending)
sa_event.listen(OrmSession, "after_soft_rollback", _drop_rolled_back)
sa_event.listen(OrmSession, "after_transaction_end", _forget)


# --- the head and its anchors -----------------------------------------------------------


class Anchor(NamedTuple):
    """The chain's head: how many rows, and the hash of the last of them."""

    rows: int
    hash: str

    def __str__(self) -> str:
        return f"{self.rows}:{self.hash}"


_ANCHOR = re.compile(rf"(\d{{1,18}}):([0-9a-f]{{{MIN_ANCHOR_HEX},64}})")


def parse_anchor(text: str, *, where: str = "--head") -> Anchor:
    """ "ROWS:HASH" as `audit head` prints it (the hash may be shortened to 16 digits)."""
    found = _ANCHOR.fullmatch(text.strip().lower())
    if found is None:
        # the line itself is not echoed: --head-file may be pointed at any file, a secret
        # one included
        raise ValidationFailed(
            [
                f"{where}: expected ROWS:HASH as `phuxanh audit head` prints "
                "it (e.g. 364:9f86d081884c7d65…)"
            ]
        )
    return Anchor(int(found[1]), found[2])


def read_anchors(path: Path) -> list[Anchor]:
    """Every head in a head file: one per line, its last word (`audit head --append`
    writes "TIME ROWS:HASH"); blank lines and lines starting with # are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ValidationFailed([f"--head-file: {path}: cannot read: {reason}"]) from exc
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            out.append(parse_anchor(line.split()[-1], where=f"{path}:{number}: head"))
    return out


@dataclass(frozen=True)
class Head:
    rows: int
    hash: str
    last_id: int | None
    key_id: str | None

    @property
    def anchor(self) -> Anchor:
        return Anchor(self.rows, self.hash)


def head(session: Session) -> Head:
    """The head as the database's head row records it (cheap; `verify` checks it)."""
    row = session.get(AuditHead, 1, populate_existing=True)
    if row is not None:
        return Head(row.n_rows, row.last_hash, row.last_id, row.key_id)
    n_rows = session.exec(select(func.count()).select_from(AuditEvent)).one()
    last = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(1)).first()
    if last is None:
        return Head(0, GENESIS, None, None)
    return Head(n_rows, last.row_hash, last.id, last.key_id)


def append_head(path: Path, anchor: Anchor, *, now: dt.datetime | None = None) -> str:
    """Add "TIME ROWS:HASH" to a head file, opened for appending only (created 0600)."""
    line = f"{(now or utcnow()).replace(microsecond=0).isoformat()} {anchor}\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return line.strip()


# --- verifying --------------------------------------------------------------------------


@dataclass
class Verdict:
    """What `check` found. `problem` is None when the log is intact."""

    rows: int = 0
    head: Anchor = field(default_factory=lambda: Anchor(0, GENESIS))
    last_id: int | None = None
    bad_row: int | None = None  # the first row to blame, when a row is to blame
    problem: str | None = None
    keyed: int = 0
    unkeyed: int = 0
    key_ids: list[str] = field(default_factory=list)
    key_set: bool = False
    anchors: int = 0

    @property
    def intact(self) -> bool:
        return self.problem is None

    def line(self) -> str:
        """One line for a person: intact and how well protected, or the first bad row."""
        if self.problem is not None:
            where = (
                f" at row {self.bad_row}"
                if self.bad_row is not None
                else (f" after row {self.last_id}" if self.last_id is not None else "")
            )
            return f"audit log broken{where}: {self.problem}"
        if self.keyed:
            keying = f"keyed ({', '.join(self.key_ids)})"
            if self.unkeyed:
                keying += f"; the first {self.unkeyed} rows predate the key (unkeyed)"
        elif not self.key_set:
            keying = (
                "unkeyed (PHUXANH_AUDIT_KEY is not set): a rewrite with recomputed "
                "hashes would pass"
            )
        else:
            keying = "unkeyed so far (PHUXANH_AUDIT_KEY is set: the next row will be keyed)"
        anchoring = (
            f"matches {self.anchors} anchor{'s' if self.anchors != 1 else ''}"
            if self.anchors
            else "no --head given, so rows cut from the end may pass"
        )
        return f"audit log intact: {self.rows} rows, head {self.head}; {keying}; {anchoring}"

    def as_json(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "rows": self.rows,
            "head": str(self.head),
            "last_id": self.last_id,
            "bad_row": self.bad_row,
            "problem": self.problem,
            "keyed_rows": self.keyed,
            "unkeyed_rows": self.unkeyed,
            "key_ids": self.key_ids,
            "key_set": self.key_set,
            "anchors_checked": self.anchors,
        }


def _matches(anchor: Anchor, row_hash: str) -> bool:
    return hmac.compare_digest(row_hash[: len(anchor.hash)], anchor.hash)


def _row_problem(
    event: AuditEvent, n: int, prev: str, prev_id: int | None, keyed_from: int | None, ring: Keyring
) -> str | None:
    """What is wrong with the chain's n-th row, given the row before it, or None."""
    if event.prev_hash != prev:
        if n == 1:
            return (
                "it is the first row, yet it does not start from the genesis hash: rows "
                "before it were deleted"
            )
        return (
            f"it does not chain onto row {prev_id}: a row between them was deleted, or "
            "rows were moved or inserted"
        )
    key: bytes | None = None
    if event.key_id is None:
        if keyed_from is not None:
            return (
                f"it is unkeyed, yet row {keyed_from} before it is keyed: written by a "
                "worker without PHUXANH_AUDIT_KEY, or forged"
            )
    elif event.key_id not in ring.keys:
        if ring.current is None:
            return (
                f"it is sealed with key {event.key_id} and PHUXANH_AUDIT_KEY is not set: "
                "it cannot be checked"
            )
        return (
            f"it is sealed with key {event.key_id}, which is neither PHUXANH_AUDIT_KEY "
            "nor one of PHUXANH_AUDIT_OLD_KEYS: a forged key id, or a key this worker lacks"
        )
    else:
        key = ring.keys[event.key_id]
    if _row_hash(prev, event, key) != event.row_hash:
        return "its hash does not chain: the row was edited, or rewritten without the key"
    return None


def check(session: Session, anchors: Iterable[Anchor] = ()) -> Verdict:
    """Walk the chain oldest first; compare it with the anchors given and with the
    database's head row (read before the walk and again after it, so rows appended
    meanwhile are no problem). The first problem found wins."""
    ring = keyring()
    want = sorted(set(anchors))
    verdict = Verdict(key_set=ring.current is not None, anchors=len(want))
    before = session.get(AuditHead, 1, populate_existing=True)
    at_position: dict[int, list[tuple[Anchor, str]]] = {}
    for anchor in want:
        at_position.setdefault(anchor.rows, []).append((anchor, f"the anchor {anchor}"))
    if before is not None:
        at_position.setdefault(before.n_rows, []).append(
            (Anchor(before.n_rows, before.last_hash), "the database's head row")
        )
    prev, keyed_from = GENESIS, None
    newer: list[int | None] = []  # ids of the rows past the head row read before the walk
    query = select(AuditEvent).order_by(col(AuditEvent.id)).execution_options(yield_per=500)
    for event in session.exec(query):
        n = verdict.rows + 1
        problem = _row_problem(event, n, prev, verdict.last_id, keyed_from, ring)
        for anchor, which in at_position.get(n, []) if problem is None else []:
            if not _matches(anchor, event.row_hash):
                problem = (
                    f"it is row {n} of the log but does not match {which}: the log was "
                    "rewritten up to here"
                )
                break
        if problem is not None:
            verdict.bad_row, verdict.problem = event.id, problem
            return verdict
        if event.key_id is None:
            verdict.unkeyed += 1
        else:
            keyed_from = keyed_from or event.id
            verdict.keyed += 1
            if event.key_id not in verdict.key_ids:
                verdict.key_ids.append(event.key_id)
        prev = event.row_hash
        verdict.rows, verdict.last_id, verdict.head = n, event.id, Anchor(n, event.row_hash)
        if before is not None and n > before.n_rows:
            newer.append(event.id)
    emptied = " (the table was emptied)" if verdict.rows == 0 else ""
    for anchor in want:
        if anchor.rows > verdict.rows:
            verdict.problem = (
                f"the anchor {anchor} names row {anchor.rows}, but the log has "
                f"{verdict.rows} rows: the newest rows were deleted{emptied}"
            )
            return verdict
    after = session.get(AuditHead, 1, populate_existing=True)
    if before is None or after is None:
        verdict.problem = "the head row (table audithead) is missing: it was deleted"
    elif before.n_rows > verdict.rows:
        verdict.problem = (
            f"the database's head row counts {before.n_rows} rows (the newest "
            f"row {before.last_id}), but the log has {verdict.rows}: the "
            f"newest rows were deleted{emptied}"
        )
    elif after.n_rows < verdict.rows:
        verdict.bad_row = newer[after.n_rows - before.n_rows]
        verdict.problem = (
            f"the log has {verdict.rows} rows but the database's head row "
            f"counts only {after.n_rows}: rows were added outside phuxanh"
        )
    return verdict


def verify(session: Session) -> int | None:
    """The id of the first row whose chain is broken, or None when the log is intact
    (0 when rows are missing at the end, so no row is there to name)."""
    verdict = check(session)
    if verdict.intact:
        return None
    return verdict.bad_row if verdict.bad_row is not None else 0


# --- export -----------------------------------------------------------------------------


COLUMNS = (
    "id",
    "at",
    "actor",
    "action",
    "entity",
    "entity_id",
    "before_hash",
    "after_hash",
    "detail",
    "prev_hash",
    "row_hash",
    "key_id",
)


def export_csv(session: Session, out: TextIO) -> int:
    """Every event, oldest first, as CSV (UTF-8, one header row). Returns the row count."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    n = 0
    for event in session.exec(select(AuditEvent).order_by(col(AuditEvent.id))):
        row = event.model_dump()
        row["at"] = event.at.isoformat()
        row["detail"] = json.dumps(event.detail, ensure_ascii=False, sort_keys=True)
        writer.writerow([row[c] for c in COLUMNS])
        n += 1
    return n


def parse_anchors(texts: Sequence[str]) -> list[Anchor]:
    """Every `--head` given; all problems at once."""
    problems, out = [], []
    for text in texts:
        try:
            out.append(parse_anchor(text))
        except ValidationFailed as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationFailed(problems)
    return out
