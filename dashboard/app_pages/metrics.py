"""Metrics: each post's newest reading summed by channel, platform and theme (SQL
aggregates), and the top posts by reach with their media."""

from __future__ import annotations

from dataclasses import asdict, fields
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlmodel import select

from dashboard.common import current_user, local, session
from dashboard.i18n import lang, t
from phuxanh import crud
from phuxanh.crud import MetricTotals
from phuxanh.models import Theme

st.title(t("nav.metrics"))
with session() as s:
    # the posts of the viewer's unit and the units below it (an admin: all)
    data = crud.metrics_overview(s, top=6, viewer=current_user(s))
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
        (charts[0], data.by_platform, t("met.platform"), None),
        (charts[1], data.by_theme, t("met.theme"), titles),
        (charts[2], data.by_unit, t("queue.unit"), None),
        (charts[3], data.by_language, t("queue.language"), {"vi": "Tiếng Việt", "en": "English"}),
    ):
        frame = (
            pd.DataFrame([asdict(r) for r in totals], columns=columns)
            .set_index("key")[list(names)]
            .fillna(0)
        )
        if rename:
            frame.index = [rename.get(k, k) for k in frame.index]
        column.caption(label)
        column.bar_chart(frame.rename(columns=names), horizontal=True, stack=False)
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
