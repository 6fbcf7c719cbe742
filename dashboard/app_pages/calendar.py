"""Calendar: a week or a month of posts by channel or theme, coloured by status, each at
its own time (a rescheduled post at its new time, a post made outside the plan too; the
plan slot it fills, when its time differs, in the table), with the campaign waves marked;
pick a post to open it (and act on it) below."""

from __future__ import annotations

import datetime as dt
import html
from collections import defaultdict

import pandas as pd
import streamlit as st

from dashboard import item_view
from dashboard.common import choice, current_user, session
from dashboard.i18n import lang, status, t, why
from phuxanh import crud
from phuxanh.core.settings import get_settings
from phuxanh.crud import CalendarEntry, CampaignWave

COLOURS = {  # background, text
    "planned": ("#e5e7eb", "#374151"),
    "draft": ("#fef3c7", "#92400e"),
    "in_review": ("#fed7aa", "#9a3412"),
    "changes_requested": ("#fecaca", "#991b1b"),
    "approved": ("#bbf7d0", "#166534"),
    "scheduled": ("#86efac", "#14532d"),
    "published": ("#15803d", "#ffffff"),
    "rejected": ("#d1d5db", "#6b7280"),
    "failed": ("#dc2626", "#ffffff"),
}
DAYS = {
    "vi": ["T2", "T3", "T4", "T5", "T6", "T7", "CN"],
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
}
STYLE = """<style>
.pxcal{border-collapse:collapse;width:100%;table-layout:fixed;font-size:.78rem}
.pxcal th,.pxcal td{border:1px solid #e5e7eb;padding:4px;vertical-align:top}
.pxcal th{background:#f8fafc;font-weight:600}
.pxcal th.wave{background:#dbeafe;border-top:3px solid #2563eb}
.pxcal td.wave{background:#f0f7ff}.pxcal td.row{font-weight:600;width:14%}
.pxchip{display:block;border-radius:6px;padding:2px 6px;margin:2px 0;white-space:nowrap;
overflow:hidden;text-overflow:ellipsis}.pxday{color:#6b7280;font-size:.72rem}
</style>"""


def channel_of(r: CalendarEntry) -> str:
    return r.channel or t("cal.no_channel")


def theme_of(r: CalendarEntry) -> str:
    """The theme's code (what a grid row or chip names), or "outside the themes"."""
    return r.theme or t("cal.no_theme")


def theme_title(r: CalendarEntry) -> str:
    return (r.theme_vi if lang() == "vi" else r.theme_en) or t("cal.no_theme")


def moved_from(r: CalendarEntry) -> str:
    """The plan slot's time when the post is not at it ("" otherwise)."""
    if r.slot_when is None or r.slot_when == r.when:
        return ""
    return f"{r.slot_when:%d/%m/%Y %H:%M}"


def chip(r: CalendarEntry, label: str) -> str:
    bg, fg = COLOURS.get(r.status, COLOURS["planned"])
    title = f"#{r.item_id or '—'} {r.when:%d/%m %H:%M} · {channel_of(r)} · {theme_of(r)}"
    return (
        f'<span class="pxchip" style="background:{bg};color:{fg}" '
        f'title="{html.escape(title)}">{r.when:%H:%M} {html.escape(label)}</span>'
    )


def row_of(r: CalendarEntry, by: str) -> str:
    """The entry's channel (display name) or theme (code): what a grid row or chip names."""
    return channel_of(r) if by == "channel" else theme_of(r)


def wave_days(waves: list[CampaignWave]) -> set[dt.date]:
    days: set[dt.date] = set()
    for w in waves:
        day = w.start
        while day <= w.end:
            days.add(day)
            day += dt.timedelta(days=1)
    return days


def week_grid(rows: list[CalendarEntry], start: dt.date, by: str, waving: set[dt.date]) -> str:
    days = [start + dt.timedelta(days=i) for i in range(7)]
    cells: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
    other = "theme" if by == "channel" else "channel"
    for r in rows:
        cells[(row_of(r, by), r.when.date())].append(chip(r, row_of(r, other)))
    head = "".join(
        f'<th class="{"wave" if d in waving else ""}">{DAYS[lang()][d.weekday()]} {d:%d/%m}</th>'
        for d in days
    )
    body = ""
    for key in sorted({row_of(r, by) for r in rows}):
        tds = "".join(
            f'<td class="{"wave" if d in waving else ""}">{"".join(cells[(key, d)])}</td>'
            for d in days
        )
        body += f'<tr><td class="row">{html.escape(key)}</td>{tds}</tr>'
    return f'{STYLE}<table class="pxcal"><tr><th></th>{head}</tr>{body}</table>'


def month_grid(rows: list[CalendarEntry], first: dt.date, by: str, waving: set[dt.date]) -> str:
    start = first - dt.timedelta(days=first.weekday())
    by_day: dict[dt.date, list[CalendarEntry]] = defaultdict(list)
    for r in rows:
        by_day[r.when.date()].append(r)
    head = "".join(f"<th>{d}</th>" for d in DAYS[lang()])
    body, day = "", start
    while day.month == first.month or day < first:
        tds = ""
        for _ in range(7):
            shown = by_day[day] if day.month == first.month else []
            chips = "".join(chip(r, row_of(r, by)) for r in shown[:4])
            if len(shown) > 4:
                chips += f'<span class="pxday">{t("cal.more", n=len(shown) - 4)}</span>'
            tds += (
                f'<td class="{"wave" if day in waving else ""}"><div class="pxday">'
                f"{day:%d/%m}</div>{chips}</td>"
            )
            day += dt.timedelta(days=1)
        body += f"<tr>{tds}</tr>"
    return f'{STYLE}<table class="pxcal"><tr>{head}</tr>{body}</table>'


st.title(t("nav.calendar"))
item_view.flash()
tz = get_settings().tz
today = dt.datetime.now(tz).date()
a, b, c = st.columns(3)
picked = a.date_input(
    t("cal.from"),
    value=today - dt.timedelta(days=today.weekday()),
    format="DD/MM/YYYY",
    key="cal_from",
)
view = choice(
    b,
    t("cal.view"),
    ["week", "month"],
    name="cal_view",
    radio=True,
    format_func=lambda v: t(f"cal.{v}"),
)
by = choice(
    c,
    t("cal.by"),
    ["channel", "theme"],
    name="cal_by",
    radio=True,
    format_func=lambda v: t(f"cal.by_{v}"),
)
if view == "week":
    start = picked - dt.timedelta(days=picked.weekday())
    end = start + dt.timedelta(days=6)
else:
    start = picked.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
with session() as s:
    user = current_user(s)
    role = str(user.role) if user is not None else None
    # the posts of the viewer's unit and the units below it (an admin: all)
    rows = crud.calendar(s, start=start, end=end, tz=tz, viewer=user)
    waves = crud.waves_between(s, start=start, end=end)
for w in waves:
    st.warning(
        t(
            "cal.wave",
            name=w.name,
            theme=w.theme,
            start=f"{w.start:%d/%m/%Y}",
            end=f"{w.end:%d/%m/%Y}",
            peak=f"{w.peak:%d/%m/%Y}",
            days=w.peak_days,
        ),
        icon=":material/waves:",
    )
if not rows:
    st.info(t("cal.empty"))
else:
    waving = wave_days(waves)
    grid = (
        week_grid(rows, start, by, waving)
        if view == "week"
        else month_grid(rows, start, by, waving)
    )
    st.markdown(grid, unsafe_allow_html=True)
    legend = " ".join(
        f'<span class="pxchip" style="display:inline-block;background:{bg};color:{fg}">'
        f"{status(code)}</span>"
        for code, (bg, fg) in COLOURS.items()
    )
    st.markdown(f"{t('cal.legend')}: {legend}", unsafe_allow_html=True)
    frame = pd.DataFrame(
        [
            {
                t("cal.col.day"): r.when.strftime("%d/%m/%Y"),
                t("cal.col.time"): r.when.strftime("%H:%M"),
                t("cal.col.channel"): channel_of(r),
                t("cal.col.theme"): theme_title(r),
                t("cal.col.status"): status(r.status),
                t("cal.col.slot"): moved_from(r),
                t("cal.col.why"): why(r.why, theme_title(r)) if r.why else t("cal.unplanned"),
                t("cal.col.item"): r.item_id,
            }
            for r in rows
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    items = {r.item_id: r for r in rows if r.item_id is not None}
    options: list[int | None] = [None, *items]
    chosen = st.selectbox(
        t("cal.pick"),
        options,
        key="cal_item",
        format_func=lambda i: (
            "—"
            if i is None
            else (
                f"#{i} · {items[i].when:%d/%m %H:%M} · {channel_of(items[i])}"
                f" · {theme_of(items[i])}"
            )
        ),
    )
    if chosen is not None:
        with session() as s:
            found = crud.queue(s, item_id=int(chosen), viewer=user)
        for row in found:
            item_view.show(row, role=role, key=f"cal-{row.id}")
