"""Metrics: the newest reading of each published post, by channel and theme."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.common import session
from dashboard.i18n import lang, t
from phuxanh import crud

st.title(t("nav.metrics"))
with session() as s:
    rows = crud.latest_metrics(s)
if not rows:
    st.info(t("met.empty"))
else:
    frame = pd.DataFrame(rows)
    a, b, c = st.columns(3)
    a.metric(t("met.posts"), len(frame))
    sep = "." if lang() == "vi" else ","
    b.metric(t("met.views"), f"{int(frame['views'].fillna(0).sum()):,}".replace(",", sep))
    c.metric(t("met.reach"), f"{int(frame['reach'].fillna(0).sum()):,}".replace(",", sep))
    by_channel = frame.groupby("channel")[["views", "reach", "reactions"]].sum().rename(
        columns={"views": t("met.views"), "reach": t("met.reach"),
                 "reactions": t("met.reactions")})
    st.bar_chart(by_channel, horizontal=True, stack=False)  # different measures: side by side
    names = {
        "channel": t("met.channel"),
        "theme": t("met.theme"),
        "views": t("met.views"),
        "reach": t("met.reach"),
        "reactions": t("met.reactions"),
        "comments": t("met.comments"),
        "shares": t("met.shares"),
        "clicks": t("met.clicks"),
        "remote_url": t("met.url"),
    }
    st.dataframe(frame[list(names)].rename(columns=names), hide_index=True, width="stretch")
