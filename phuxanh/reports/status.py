"""Where each unit stands with the reports it owes: for every obligation, the period being
reported and its due date, and whether that report is drafted, sent (with its number) or
overdue. A report written by `phuxanh report --unit U` is recorded as drafted; a person
marks it sent with the document's number (`report mark-sent`). Audited."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlmodel import Session, col, select

from phuxanh.core import audit
from phuxanh.core.errors import ValidationFailed
from phuxanh.core.users import get_user
from phuxanh.models import Obligation, ReportFiling, Unit
from phuxanh.network import obligations as registry
from phuxanh.network.units import below
from phuxanh.network.units import get as get_unit
from phuxanh.reports.model import Period, parse_period, period_of

MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}


def due_on(obligation: Obligation, period: Period) -> dt.date | None:
    """The day `period`'s report is due under `obligation.due` (see network.obligations);
    None when the obligation gives no day."""
    due = (obligation.due or "").strip()
    if m := registry.AFTER.fullmatch(due):
        nxt = period.end + dt.timedelta(days=1)
        return dt.date(nxt.year, nxt.month, int(m.group(1)))
    if m := registry.FIXED.fullmatch(due):
        day, month = int(m.group(1)), int(m.group(2))
        size = MONTHS.get(period.kind, 12)
        place = (month - 1) % size  # the same place in every period of this kind
        month_of = period.start.month + place
        return dt.date(period.start.year, month_of, day)
    return None


def _previous(period: Period) -> Period:
    return period_of(period.kind, period.start - dt.timedelta(days=1))


def _filings(session: Session, ids: list[int]) -> dict[tuple[int, str], ReportFiling]:
    if not ids:
        return {}
    rows = session.exec(select(ReportFiling).where(col(ReportFiling.obligation_id).in_(ids)))
    return {(f.obligation_id, f.period_code): f for f in rows}


def _row(
    unit: Unit, o: Obligation, period: Period, filing: ReportFiling | None, on: dt.date
) -> dict[str, Any]:
    due = due_on(o, period)
    sent = filing is not None and filing.state == "sent"
    overdue = not sent and due is not None and due < on
    state = "sent" if sent else "overdue" if overdue else "drafted" if filing else "open"
    return {
        "unit": unit.code,
        "obligation": o.id,
        "what": o.what,
        "to": o.to_name,
        "kind": o.period,
        "period": period.code,
        "label": period.label_vi,
        "due": due.isoformat() if due else None,
        "days_left": (due - on).days if due else None,
        "state": state,
        "drafted": filing is not None,
        "number": filing.number if sent and filing else None,
        "sent_by": filing.by if sent and filing else None,
        "source": o.source,
    }


def status(
    session: Session, *, unit: str | None, on: dt.date, scope: list[Unit] | None = None
) -> list[dict[str, Any]]:
    """For each obligation of `unit` and the units below it (all units: every one), the
    period containing `on` and, when its report falls due within that period ("10 after"),
    the period before; each with its due date and state: open, drafted, sent (with its
    number) or overdue (past its due day and not sent). An incident report: one row, with
    the count of reports sent. `scope`: the units `unit` and below, when the caller has
    read them already."""
    if scope is None:
        scope = (
            list(session.exec(select(Unit).order_by(col(Unit.code))))
            if unit is None
            else below(session, get_unit(session, unit, "--unit"))
        )
    by_id = {u.id: u for u in scope}
    obligations = list(
        session.exec(
            select(Obligation)
            .where(col(Obligation.unit_id).in_(list(by_id)), Obligation.active)
            .order_by(col(Obligation.id))
        )
    )
    filings = _filings(session, [o.id or 0 for o in obligations])
    rows: list[dict[str, Any]] = []
    for o in obligations:
        owner = by_id[o.unit_id]
        if o.period == "incident":
            sent = [f for (oid, _), f in filings.items() if oid == o.id and f.state == "sent"]
            rows.append(
                {
                    "unit": owner.code,
                    "obligation": o.id,
                    "what": o.what,
                    "to": o.to_name,
                    "kind": o.period,
                    "period": None,
                    "label": "khi phát sinh",
                    "due": None,
                    "days_left": None,
                    "state": "on incident",
                    "drafted": False,
                    "number": None,
                    "sent_by": None,
                    "sent": len(sent),
                    "source": o.source,
                }
            )
            continue
        current = period_of(o.period, on)
        before = _previous(current)
        before_due = due_on(o, before)
        filing = filings.get((o.id or 0, before.code))
        if before_due is not None and before_due >= current.start:  # due in this period
            rows.append(_row(owner, o, before, filing, on))
        rows.append(_row(owner, o, current, filings.get((o.id or 0, current.code)), on))
    return rows


def _period_code(obligation: Obligation, text: str) -> str:
    """The code of the period a report covers, checked against the obligation's kind."""
    if obligation.period == "incident":
        from phuxanh.core.dates import check_year

        try:
            day = dt.date.fromisoformat(text.strip())
        except ValueError:
            try:
                day = dt.datetime.strptime(text.strip(), "%d/%m/%Y").date()
            except ValueError as exc:
                raise ValidationFailed(
                    [f"--period: {text!r}: an incident report is named by its day (dd/mm/yyyy)"]
                ) from exc
        check_year(day.year, "--period", text)
        if day > dt.date.today():
            raise ValidationFailed([f"--period: {text!r}: that day has not come yet"])
        return day.isoformat()
    period = parse_period(text)
    if period.start > dt.date.today():
        raise ValidationFailed([f"--period: {text!r} has not begun: no report can be sent for it"])
    if period.kind != obligation.period:
        example = period_of(obligation.period, dt.date(2026, 1, 1)).code
        raise ValidationFailed(
            [
                f"--period: {text!r} is a {period.kind}; obligation {obligation.id} is "
                f"reported by {obligation.period} (e.g. {example})"
            ]
        )
    return period.code


_NUMBER = re.compile(r"\S.{0,62}")


def mark_sent(
    session: Session, *, obligation_id: int, period: str, number: str, actor: str
) -> ReportFiling:
    """Record that the report for this obligation and period went out, with the number
    the office gave it ("45-BC/ĐU"). The actor must belong to the unit or one above it."""
    from phuxanh.core.errors import PermissionDenied
    from phuxanh.core.users import oversees

    o = registry.get(session, obligation_id)
    code = _period_code(o, period)
    number = number.strip()
    if not _NUMBER.fullmatch(number):
        raise ValidationFailed(["--number: the report's number (e.g. 45-BC/ĐU), 1-64 characters"])
    user = get_user(session, username=actor)
    if not oversees(session, actor=user, unit_id=o.unit_id):
        raise PermissionDenied(f"--as: {actor} is not in the obligation's unit or a unit above it")
    filing = session.exec(
        select(ReportFiling).where(
            ReportFiling.obligation_id == o.id, ReportFiling.period_code == code
        )
    ).first()
    before = filing.state if filing else None
    if filing is None:
        filing = ReportFiling(obligation_id=o.id or 0, period_code=code, by=actor)
    elif filing.state == "sent" and filing.number != number:
        raise ValidationFailed(
            [
                f"--number: the report for {code} was marked sent already as "
                f"{filing.number!r} by {filing.by}"
            ]
        )
    filing.state, filing.number, filing.by = "sent", number, actor
    filing.at = dt.datetime.now(dt.UTC)
    session.add(filing)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="report.sent",
        entity="report_filing",
        entity_id=filing.id,
        detail={"obligation": o.id, "period": code, "number": number, "before": before},
    )
    return filing


def record_drafted(
    session: Session, *, unit: Unit, period: Period, path: str, actor: str
) -> list[int]:
    """A report written for `unit` and `period` is the draft of each of the unit's
    obligations reported by that kind of period (a report already sent stays sent).
    Returns the obligations it was recorded for. `actor` names a user of the unit or one
    above it (`cli` and `desk` stand for the command line and the desk)."""
    if actor not in ("cli", "desk"):
        from phuxanh.core.errors import PermissionDenied
        from phuxanh.core.users import get_user, oversees

        person = get_user(session, username=actor)
        if not oversees(session, actor=person, unit_id=unit.id or 0):
            raise PermissionDenied(f"--as: {actor} is not in {unit.code} or a unit above it")
    rows = session.exec(
        select(Obligation).where(
            Obligation.unit_id == unit.id, Obligation.period == period.kind, Obligation.active
        )
    ).all()
    done = []
    for o in rows:
        filing = session.exec(
            select(ReportFiling).where(
                ReportFiling.obligation_id == o.id, ReportFiling.period_code == period.code
            )
        ).first()
        if filing is not None and filing.state == "sent":
            continue
        if filing is None:
            filing = ReportFiling(obligation_id=o.id or 0, period_code=period.code, by=actor)
        filing.state, filing.path, filing.by = "drafted", path, actor
        filing.at = dt.datetime.now(dt.UTC)
        session.add(filing)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="report.drafted",
            entity="report_filing",
            entity_id=filing.id,
            detail={"obligation": o.id, "period": period.code, "path": path},
        )
        done.append(o.id or 0)
    return done
