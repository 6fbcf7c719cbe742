"""Unit network: a parent unit and the units below it side by side over a span of days
(the person's own unit and the units below it; an admin: any unit), laggards first:
planned, quota, approved, products and publications, reach, shortfall, the content
packages sent to each and how they stand, overdue reports. Below the table, one unit in
detail: its channels, its packages (a declined one with its reason), its reports, and its
items in the review queue. The figures are `phuxanh.reports.glance`'s, the same as
`report --unit U --rollup`."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlmodel import col, select

from dashboard.common import choice, current_user, local, session
from dashboard.i18n import STRINGS, error, lang, t
from phuxanh import crud
from phuxanh.core.errors import PhuxanhError
from phuxanh.core.settings import get_settings
from phuxanh.models import Channel, Role, Unit
from phuxanh.network.units import list_units
from phuxanh.reports import glance as network
from phuxanh.reports import status as filings
from phuxanh.reports.model import period_of

st.title(t("nav.network"))
tz = get_settings().tz
today = dt.datetime.now(tz).date()
with session() as s:
    user = current_user(s)
    if user is None:  # the session ended during this run
        st.info(t("auth.needed"))
        st.stop()
    seen = crud.visible_units(s, user)
    ids = {u.code: u.id for u in s.exec(select(Unit))}
    parents = {u.parent_id for u in s.exec(select(Unit)) if u.parent_id is not None}
    tree = list_units(s)  # each after its parent, with its depth
    own = s.get(Unit, user.unit_id)
    latest = network.latest_day(
        s,
        viewer=user,
        before=dt.datetime.combine(
            period_of("quarter", today).end + dt.timedelta(days=1), dt.time(), tz
        ),
        tz=tz,
    )
# the units whose network one may look at: one's own unit and the units below it that have
# units below them (an admin: every unit)
offered = {
    u["code"]: "· " * u["depth"] + u["name"]
    for u in tree
    if (user.role == Role.admin or (seen is not None and ids[u["code"]] in seen))
    and (ids[u["code"]] in parents or user.role == Role.admin or ids[u["code"]] == user.unit_id)
}
if not offered:
    st.info(t("net.empty"))
    st.stop()
codes = list(offered)
if own is not None and own.code in offered:  # one's own unit first
    codes = [own.code] + [c for c in codes if c != own.code]
quarter = period_of("quarter", latest or today)
top = st.columns([3, 2])
parent = choice(top[0], t("net.parent"), codes, name="net_parent", format_func=offered.__getitem__)
picked = top[1].date_input(
    t("net.range"),
    value=(quarter.start, min(quarter.end, max(today, quarter.start))),
    format="DD/MM/YYYY",
    key="net_range",
)
start, end = (
    (picked[0], picked[-1])
    if isinstance(picked, tuple) and picked
    else (quarter.start, min(quarter.end, today))
)
with session() as s:
    try:
        rows = network.glance(
            s, unit_code=parent, start=start, end=end, tz=tz, viewer=user, today=today
        )
    except PhuxanhError as exc:  # the unit was removed or moved out of sight meanwhile
        st.error(error(exc))
        st.stop()
if ids.get(parent) not in parents:
    st.info(t("net.leaf"))
st.caption(t("net.order"))


def _n(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{value:,}".replace(",", "." if lang() == "vi" else ",")


def _level(code: str) -> str:
    key = f"net.level.{code}"
    return t(key) if key in STRINGS[lang()] else code


st.dataframe(
    pd.DataFrame(
        [
            {
                t("net.col.unit"): r.name,
                t("net.col.behind"): round(100 * r.behind),
                t("net.col.shortfall"): r.shortfall,
                t("net.col.planned"): r.planned,
                t("net.col.quota"): _n(r.quota),  # "—": no quota set (never "None")
                t("net.col.approved"): r.approved,
                t("net.col.products"): r.products,
                t("net.col.published"): r.published,
                t("net.col.reach"): _n(r.reach),
                t("net.col.sent"): r.sent,
                t("net.col.pk_approved"): r.packages["approved"],
                t("net.col.pk_published"): r.packages["published"],
                t("net.col.pk_declined"): r.packages["declined"] + r.packages["rejected"],
                t("net.col.overdue"): r.overdue,
                t("net.col.level"): _level(r.level),
                t("net.col.channels"): r.channels,
            }
            for r in rows
        ]
    ),
    hide_index=True,
    width="stretch",
    column_config={
        t("net.col.behind"): st.column_config.ProgressColumn(
            t("net.col.behind"), min_value=0, max_value=100, format="%d%%"
        )
    },
)

# --- one unit in detail -------------------------------------------------------------
st.subheader(t("net.drill"))
names = {r.code: r.name for r in rows}
chosen = choice(st, t("net.col.unit"), list(names), name="net_unit", format_func=names.__getitem__)
row = next(r for r in rows if r.code == chosen)
figures = st.container(horizontal=True, key="net-figures")
for label, value in (
    (t("net.col.behind"), f"{round(100 * row.behind)}%"),
    (t("net.col.planned"), _n(row.planned)),
    (t("net.col.quota"), _n(row.quota)),
    (t("net.col.published"), _n(row.published)),
    (t("net.col.products"), _n(row.products)),
    (t("net.col.reach"), _n(row.reach)),
    (t("net.col.overdue"), _n(row.overdue)),
):
    figures.metric(label, value, width="content")

with session() as s:
    unit = s.exec(select(Unit).where(Unit.code == chosen)).one()
    channels = list(
        s.exec(select(Channel).where(Channel.unit_id == unit.id).order_by(col(Channel.code)))
    )
    sent = network.deliveries(s, unit_ids=[unit.id or 0], start=start, end=end, tz=tz).get(
        unit.id or 0, []
    )
    owed = [r for r in filings.status(s, unit=chosen, on=today) if r["unit"] == chosen]

st.markdown(f"**{t('net.channels')}**")
if channels:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("net.ch.name"): c.display_name,
                    t("net.ch.platform"): c.platform,
                    t("net.ch.code"): c.code,
                    t("net.ch.state"): t("net.ch.paused") if c.paused else t("net.ch.active"),
                }
                for c in channels
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.caption(t("net.no_channels"))

st.markdown(f"**{t('net.packages')}**")
if sent:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("net.pk.package"): d.title,
                    t("net.pk.state"): t(f"net.state.{d.state}"),
                    t("net.pk.reason"): d.reason or "",
                    t("net.pk.from"): d.sender,
                    t("net.pk.sent"): local(d.sent_at),
                    t("net.pk.item"): f"#{d.item_id}" if d.item_id else "—",
                }
                for d in sent
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    for d in sent:
        if d.state == "declined":
            st.warning(t("net.declined", title=d.title, reason=d.reason or "—"))
else:
    st.caption(t("net.no_packages"))

st.markdown(f"**{t('net.obligations')}**")
if owed:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("net.ob.what"): o["what"],
                    t("net.ob.state"): t(f"net.ob.{o['state'].replace(' ', '_')}"),
                    t("net.ob.period"): (o["label"] if lang() == "vi" else o["period"]) or "—",
                    t("net.ob.due"): dt.date.fromisoformat(o["due"]).strftime("%d/%m/%Y")
                    if o["due"]
                    else "—",
                    t("net.ob.to"): o["to"],
                    t("net.ob.number"): o["number"] or "",
                }
                for o in owed
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.caption(t("net.no_obligations"))


def _to_queue(code: str) -> None:
    """Open the review queue filtered by `code` (its "More filters" unit, set before the
    queue draws it). A change of page made here forgets the widgets' values, the language
    switch's too: it is set again (a callback may set a widget's value)."""
    for key in ("f_unit.vi", "f_unit.en"):
        st.session_state.pop(key, None)
    st.session_state["f_unit"] = code
    st.session_state["lang"] = lang()
    st.session_state["net_to_queue"] = True


st.button(
    t("net.open_queue"),
    key="net-queue",
    icon=":material/fact_check:",
    on_click=_to_queue,
    args=(chosen,),
)
if st.session_state.pop("net_to_queue", False):
    st.switch_page("app_pages/queue.py")
