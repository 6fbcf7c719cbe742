"""The Reports page offers first the latest period with posts in it, up to the current one
(or the current one when there are none), never a period still to come."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.core.settings import get_settings
from phuxanh.models import Slot
from phuxanh.reports import figures
from phuxanh.reports.model import Period, parse_period
from tests.helpers import START
from tests.test_dashboard import _page


def _offered() -> Period:
    rep = _page("reports", who="minh.tran")
    assert not rep.exception, [e.value for e in rep.exception]
    return parse_period(rep.text_input(key="rep_period").value)


def _kind(db_url: str, today: dt.date) -> str:
    with Session(jobs.engine(db_url)) as s:
        due = figures.due_dates(s, today=today)
    return due[0].kind if due else "quarter"


def _shift_slots(db_url: str, by: dt.timedelta, *, only_first: bool = False) -> None:
    with Session(jobs.engine(db_url)) as s:
        slots = list(s.exec(select(Slot).order_by(Slot.scheduled_at.desc())))  # type: ignore[attr-defined]
        for slot in slots[:1] if only_first else slots:
            slot.scheduled_at = slot.scheduled_at + by
            s.add(slot)
        s.commit()


def test_the_latest_period_with_posts_not_a_future_one(app_db: str) -> None:
    today = dt.datetime.now(get_settings().tz).date()
    assert today > START  # the campaign's posts are in the past
    kind = _kind(app_db, today)
    offered = _offered()
    assert offered.kind == kind
    assert offered.start <= START <= offered.end  # where the posts are
    # a post planned in a period still to come changes nothing
    _shift_slots(app_db, (today - START) + dt.timedelta(days=400), only_first=True)
    assert _offered() == offered


def test_the_current_period_when_the_posts_are_in_it_or_none_before_it(app_db: str) -> None:
    today = dt.datetime.now(get_settings().tz).date()
    kind = _kind(app_db, today)
    _shift_slots(app_db, today - START)  # the campaign's week moved to this week
    current = _offered()
    assert (current.kind, current.start <= today <= current.end) == (kind, True)
    _shift_slots(app_db, dt.timedelta(days=800))  # every post in a later year: none up to now
    assert _offered() == current
