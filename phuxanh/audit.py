"""The audit log: append-only, each row chained to the one before by SHA-256."""

from __future__ import annotations

import csv
import hashlib
import json
from typing import Any, TextIO

from sqlmodel import Session, col, select

from phuxanh.models import AuditEvent, utcnow

GENESIS = "0" * 64


def _row_hash(prev_hash: str, event: AuditEvent) -> str:
    body = {
        "at": event.at.isoformat(),
        "actor": event.actor,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "before": event.before_hash,
        "after": event.after_hash,
        "detail": event.detail,
    }
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


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
    """Append one event. Callers hold the transaction that made the change it records."""
    last = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(1)).first()
    prev = last.row_hash if last else GENESIS
    event = AuditEvent(
        at=utcnow().replace(microsecond=0),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before_hash=before_hash,
        after_hash=after_hash,
        detail=detail or {},
        prev_hash=prev,
        row_hash="",
    )
    event.row_hash = _row_hash(prev, event)
    session.add(event)
    session.flush()
    return event


def verify(session: Session) -> int | None:
    """The id of the first row whose chain is broken, or None when the log is intact."""
    prev = GENESIS
    for event in session.exec(select(AuditEvent).order_by(col(AuditEvent.id))):
        if event.prev_hash != prev or _row_hash(prev, event) != event.row_hash:
            return event.id
        prev = event.row_hash
    return None


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
