"""Reporting obligations: which report a unit owes, to whom, for which kind of period, due
when, and the document that says so. Typed by hand (`obligation add`) or taken from a
directive the importer read (`obligation import --from-directive`). Every change is
audited; the state of each period's report is `reports.status`.

Due dates (`Obligation.due`):
- "10 after": the 10th day of the month after the period ends (March's report by 10/4,
  the first quarter's by 10/4, the year's by 10/1 of the next year);
- "15/11": a fixed day. For a year that is the day itself (15/11 of that year); for a
  shorter period the month names the same place in every period of that kind: "10/6" for
  quarters is the 10th of each quarter's third month (10/3, 10/6, 10/9, 10/12).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from phuxanh.core import audit
from phuxanh.core.dates import day_of_year_problem
from phuxanh.core.errors import ValidationFailed
from phuxanh.core.text import control_problem
from phuxanh.models import Obligation, Unit
from phuxanh.network.units import get as get_unit

PERIODS = ("month", "quarter", "half", "year", "incident")
AFTER = re.compile(r"(\d{1,2}) after")
FIXED = re.compile(r"(\d{1,2})/(\d{1,2})")
# the importer's cadence words (catalog.duties.CADENCE) that are a period here
CADENCES = {"month", "quarter", "half", "year", "incident"}


def due_problem(due: str, period: str, flag: str = "--due") -> str | None:
    """Why `due` is not a due date for `period` (None: it is one)."""
    due = due.strip()
    if period == "incident":
        return None if due in ("", "asap") else f"{flag}: an incident report has no fixed day"
    if m := AFTER.fullmatch(due):
        if not 1 <= int(m.group(1)) <= 28:
            return f"{flag}: {due!r}: the day is 1-28 (every month has it)"
        return None
    if m := FIXED.fullmatch(due):
        if day_of_year_problem(int(m.group(1)), int(m.group(2))):
            return f"{flag}: {due!r} is not a day of the year (dd/mm)"
        if period == "month":  # twelve reports a year cannot share one day of the year
            return (
                f"{flag}: {due!r} is a day of the year; a monthly report is due "
                '"N after" (the Nth of the month after the month)'
            )
        return None
    return (
        f'{flag}: {due!r} is not a due date: "10 after" (the 10th of the month after '
        'the period) or "15/11" (dd/mm)'
    )


def _text(value: str, flag: str, most: int = 500, *, empty: bool = False) -> str:
    """One line of plain text as kept: NFC, trimmed, no control characters (`obligation
    list` and the reports print it), at most `most` characters."""
    value = unicodedata.normalize("NFC", value).strip()
    if not value and not empty:
        raise ValidationFailed([f"{flag}: empty"])
    if problem := control_problem(value, flag, allow=""):
        raise ValidationFailed([problem])
    if len(value) > most:
        raise ValidationFailed([f"{flag}: {len(value)} characters, at most {most}"])
    return value


def add_obligation(
    session: Session,
    *,
    unit: str,
    what: str,
    to: str,
    period: str,
    due: str = "",
    source: str = "",
    to_unit: str | None = None,
    actor: str = "cli",
) -> Obligation:
    owner = get_unit(session, unit, "--unit")
    target = get_unit(session, to_unit, "--to-unit") if to_unit else None
    if period not in PERIODS:
        raise ValidationFailed([f"--period: {period!r} is not one of {', '.join(PERIODS)}"])
    problem = due_problem(due, period)
    if problem:
        raise ValidationFailed([problem])
    row = Obligation(
        unit_id=owner.id or 0,
        what=_text(what, "--what"),
        to_name=_text(to, "--to"),
        to_unit_id=target.id if target else None,
        period=period,
        due=due.strip(),
        source=_text(source, "--source", 200, empty=True),
    )
    same = session.exec(
        select(Obligation).where(
            Obligation.unit_id == row.unit_id,
            Obligation.what == row.what,
            Obligation.to_name == row.to_name,
            Obligation.period == row.period,
            Obligation.active,
        )
    ).first()
    if same is not None:  # run twice, it would list and file every period twice
        raise ValidationFailed(
            [f"--what: {owner.code} already owes this report (obligation {same.id})"]
        )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="obligation.add",
        entity="obligation",
        entity_id=row.id,
        detail=as_dict(row, owner, target),
    )
    return row


def as_dict(row: Obligation, unit: Unit | None, to_unit: Unit | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "unit": unit.code if unit else None,
        "what": row.what,
        "to": row.to_name,
        "to_unit": to_unit.code if to_unit else None,
        "period": row.period,
        "due": row.due,
        "source": row.source,
        "active": row.active,
    }


def list_obligations(session: Session, *, unit: str | None = None) -> list[dict[str, Any]]:
    query = select(Obligation).where(Obligation.active).order_by(col(Obligation.id))
    if unit is not None:
        query = query.where(Obligation.unit_id == get_unit(session, unit, "--unit").id)
    units = {u.id: u for u in session.exec(select(Unit))}
    return [as_dict(o, units.get(o.unit_id), units.get(o.to_unit_id)) for o in session.exec(query)]


def get(session: Session, obligation_id: int, flag: str = "--obligation") -> Obligation:
    row = session.get(Obligation, obligation_id)
    if row is None or not row.active:
        raise ValidationFailed(
            [f"{flag}: no obligation {obligation_id} (see phuxanh obligation list)"]
        )
    return row


def _due_from_importer(found: dict[str, Any]) -> str:
    """The importer gives a due day as an ISO date (2026-11-15): kept as its day of year."""
    iso = found.get("due")
    if not iso:
        return ""
    _year, month, day = (int(x) for x in str(iso).split("-"))
    return f"{day}/{month}"


def import_from_directive(
    session: Session, *, path: Path, parsed: dict[str, Any], unit: str, actor: str = "cli"
) -> dict[str, Any]:
    """An obligation for `unit` from each reporting duty the directive importer found
    (`parsed["obligations"]`), skipping the ones with no period ("định kỳ" alone, a one-off
    report) and the ones the unit already has; each skipped one is named with its line."""
    owner = get_unit(session, unit, "--unit")
    number = str(parsed.get("number") or parsed.get("title") or path.name)
    have = {
        (o.what, o.to_name, o.period)
        for o in session.exec(select(Obligation).where(Obligation.unit_id == owner.id))
    }
    added: list[dict[str, Any]] = []
    skipped: list[str] = []
    for found in parsed.get("obligations") or []:
        line = found.get("line")
        cadence = found.get("cadence")
        what = str(found.get("what") or "báo cáo").strip()
        to = str(found.get("to") or "").strip()
        if cadence not in CADENCES:
            why = "no period is said" if cadence is None else f"a one-off report ({cadence})"
            skipped.append(f"{path}:{line}: {what}: {why}")
            continue
        if not to:
            skipped.append(f"{path}:{line}: {what}: the recipient is not said")
            continue
        due = "" if cadence == "incident" else _due_from_importer(found)
        if due and due_problem(due, cadence):
            due = ""
        if (what, to, cadence) in have:
            skipped.append(f"{path}:{line}: {what} ({cadence}): the unit has it already")
            continue
        have.add((what, to, cadence))
        row = add_obligation(
            session,
            unit=unit,
            what=what,
            to=to,
            period=cadence,
            due=due,
            source=number,
            actor=actor,
        )
        added.append({**as_dict(row, owner, None), "line": line})
    return {"unit": unit, "source": number, "added": added, "skipped": skipped}
