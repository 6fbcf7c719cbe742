"""Reports: when each periodic report is due, and its draft (DOCX, PDF, XLSX) on demand.
The period offered first is the latest one with posts in it (planned or published, on the
channels of the units the person sees), of the kind the next due report asks for, up to
the current one; with none, the current one. Never a period still to come, which would
draw an empty report."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy import func
from sqlmodel import Session, select
from sqlmodel import col as column

from dashboard.common import current_user, session, unit_options
from dashboard.i18n import error, t
from phuxanh import crud, jobs
from phuxanh.core.errors import PhuxanhError
from phuxanh.core.settings import get_settings
from phuxanh.models import Channel, Publication, Slot, User
from phuxanh.reports import figures as reporting
from phuxanh.reports.model import period_of


def latest_post_day(
    s: Session, user: User | None, *, before: dt.datetime, tz: dt.tzinfo
) -> dt.date | None:
    """The local day of the latest planned slot or publication (when it went out, else
    when it is due) before `before`, on the channels of the units `user` sees."""
    seen = crud.visible_units(s, user)
    at = func.coalesce(column(Publication.published_at), column(Publication.scheduled_at))
    slots = (
        select(func.max(column(Slot.scheduled_at)))
        .join(Channel, column(Channel.id) == column(Slot.channel_id))
        .where(column(Slot.scheduled_at) < before)
    )
    posts = (
        select(func.max(at))
        .join(Channel, column(Channel.id) == column(Publication.channel_id))
        .where(at < before)
    )
    if seen is not None:
        slots = slots.where(column(Channel.unit_id).in_(seen))
        posts = posts.where(column(Channel.unit_id).in_(seen))
    found = [when for when in (s.exec(slots).one(), s.exec(posts).one()) if when is not None]
    return max(found).astimezone(tz).date() if found else None


def default_period(kind: str, today: dt.date, latest: dt.date | None) -> str:
    """The period of `kind` with the latest posts up to the current one; else the current."""
    return period_of(kind, latest if latest is not None else today).code


st.title(t("nav.reports"))
tz = get_settings().tz
today = dt.datetime.now(tz).date()
with session() as s:
    due = reporting.due_dates(s, today=today)
    user = current_user(s)
    units = unit_options(s, user)  # theirs and below (an admin: all)
    kind = due[0].kind if due else "quarter"
    after_current = dt.datetime.combine(
        period_of(kind, today).end + dt.timedelta(days=1), dt.time(), tz
    )
    latest = latest_post_day(s, user, before=after_current, tz=tz)
if due:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("rep.due"): f"{d.due:%d/%m/%Y}",
                    t("rep.left"): d.days_left,
                    t("rep.period"): d.label if t("rep.lang") == "vi" else d.period,
                    t("rep.campaign"): d.campaign,
                    t("rep.source"): d.source,
                }
                for d in due
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info(t("rep.no_due"))
a, b = st.columns(2)
default = default_period(kind, today, latest)
period = a.text_input(t("rep.period_code"), value=default, key="rep_period")
unit = b.selectbox(t("queue.unit"), list(units), key="rep_unit", format_func=units.__getitem__)
cols = st.columns(3)
for col, fmt in zip(cols, ("docx", "pdf", "xlsx"), strict=True):
    if col.button(t("rep.make", fmt=fmt.upper()), key=f"make-{fmt}"):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / f"bao-cao-{period}.{fmt}"
            try:
                jobs.report(
                    period=period,
                    unit_code=unit or None,
                    fmt=fmt,
                    out=out,
                    database_url=get_settings().database_url,
                    actor=user.username if user is not None else "desk",  # who drafted it
                )
            except PhuxanhError as exc:
                st.error(error(exc))
            else:
                st.session_state[f"report-{fmt}"] = (out.name, out.read_bytes())
    ready = st.session_state.get(f"report-{fmt}")
    if ready:
        col.download_button(
            t("rep.download", name=ready[0]), ready[1], file_name=ready[0], key=f"dl-{fmt}"
        )
