"""Metrics: each post's newest reading summed by channel, platform and theme (SQL
aggregates), and the top posts by reach with their media; of the unit chosen and the units
below it (within what the person sees)."""

from __future__ import annotations

from dataclasses import asdict, fields
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
from sqlmodel import select

from dashboard.common import current_user, local, session, unit_filter
from dashboard.i18n import lang, t
from phuxanh import crud
from phuxanh.catalog.languages import supported
from phuxanh.crud import MetricTotals
from phuxanh.models import Theme
from phuxanh.reports import glance

# platforms by their own names
PLATFORMS = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "youtube": "YouTube",
    "tiktok": "TikTok",
    "x": "X",
    "zalo": "Zalo OA",
    "telegram": "Telegram",
    "website": "Website",
    "wordpress": "WordPress",
}

st.title(t("nav.metrics"))
with session() as s:
    user = current_user(s)
    if user is None:  # the session ended during this run
        st.info(t("auth.needed"))
        st.stop()
    unit = unit_filter(s, user, name="met_unit")  # theirs and below (an admin: all)
with session() as s:
    # the posts of the chosen unit and the units below it, within what the viewer sees
    data = crud.metrics_overview(s, top=6, viewer=glance.seen_from(s, viewer=user, unit_code=unit))
    titles = {
        th.code: (th.title_vi if lang() == "vi" else th.title_en) for th in s.exec(select(Theme))
    }
if not data.by_channel or not any(r.measured for r in data.by_channel):
    st.info(t("met.empty"))
else:
    sep = "." if lang() == "vi" else ","

    def num(v: int | None) -> str:
        return "—" if v is None else f"{int(v):,}".replace(",", sep)

    a, b, c, d = st.columns(4)
    rows = data.by_channel
    a.metric(t("met.posts"), num(sum(r.measured for r in rows)))
    b.metric(t("met.views"), num(sum(r.views or 0 for r in rows)))
    c.metric(t("met.reach"), num(sum(r.reach or 0 for r in rows)))
    d.metric(t("met.engagement"), num(sum(r.engagement or 0 for r in rows)))
    names = {"views": t("met.views"), "reach": t("met.reach"), "engagement": t("met.engagement")}
    charts = st.columns(2) + st.columns(2)
    columns = [f.name for f in fields(MetricTotals)]
    for column, totals, label, rename in (
        (charts[0], data.by_platform, t("met.platform"), PLATFORMS),
        (charts[1], data.by_theme, t("met.by_theme"), titles),
        (charts[2], data.by_unit, t("met.unit"), None),
        (
            charts[3],
            data.by_language,
            t("met.language"),
            {code: found.name(lang()) for code, found in supported().items()},
        ),
    ):
        frame = pd.DataFrame([asdict(r) for r in totals], columns=columns)
        frame["key"] = [(rename or {}).get(k, k) for k in frame["key"]]
        long = frame.melt(id_vars="key", value_vars=list(names), var_name="what", value_name="n")
        long["what"] = long["what"].map(names)
        long["n"] = long["n"].fillna(0)
        column.caption(label)
        column.altair_chart(
            alt.Chart(long)
            .mark_bar()
            .encode(
                y=alt.Y("key:N", title=None, axis=alt.Axis(labelLimit=160, labelOverlap=False)),
                yOffset=alt.YOffset("what:N", sort=list(names.values())),
                x=alt.X("n:Q", title=None),
                color=alt.Color(
                    "what:N",
                    title=None,
                    sort=list(names.values()),
                    legend=alt.Legend(orient="bottom"),
                ),
                tooltip=[
                    alt.Tooltip("key:N", title=label),
                    alt.Tooltip("what:N", title=t("met.figure")),
                    alt.Tooltip("n:Q", title=t("met.value"), format=","),
                ],
            )
            # a step per row, not a total height: one row (one platform) stays readable
            .properties(height=alt.Step(18)),  # each bar (the offset band, Vega-Lite 5)
            width="stretch",
        )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("met.channel"): r.key,
                    t("met.posts_all"): r.posts,
                    t("met.views"): r.views,
                    t("met.reach"): r.reach,
                    t("met.engagement"): r.engagement,
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.subheader(t("met.top"))
    for post in data.top:
        with st.container(border=True):
            img, body = st.columns([1, 4])
            if post.media and Path(post.media).is_file() and not post.media.endswith(".mp4"):
                img.image(post.media, width="stretch")
            body.markdown(f"**{post.channel}** · {local(post.published_at)}")
            body.text(post.text)
            body.caption(
                f"{t('met.reach')}: {num(post.reach)} · {t('met.views')}: "
                f"{num(post.views)} · {t('met.engagement')}: "
                f"{num(post.engagement)}" + (f" · {post.url}" if post.url else "")
            )
