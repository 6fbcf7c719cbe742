"""Metrics: the newest reading of each published post, by channel and theme."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.common import session
from dashboard.i18n import t
from phuxanh import crud

st.title(t("nav.metrics"))
with session() as s:
    rows = crud.latest_metrics(s)
if not rows:
    st.info("Chưa có số liệu. Số liệu được thu thập sau khi bài được đăng.")
else:
    frame = pd.DataFrame(rows)
    a, b, c = st.columns(3)
    a.metric("Bài đã đăng có số liệu", len(frame))
    b.metric("Lượt xem", f"{int(frame['views'].fillna(0).sum()):,}".replace(",", "."))
    c.metric("Tiếp cận", f"{int(frame['reach'].fillna(0).sum()):,}".replace(",", "."))
    by_channel = frame.groupby("channel")[["views", "reach", "reactions"]].sum()
    st.bar_chart(by_channel)
    st.dataframe(
        frame[
            [
                "channel",
                "theme",
                "views",
                "reach",
                "reactions",
                "comments",
                "shares",
                "clicks",
                "remote_url",
            ]
        ],
        hide_index=True,
        width="stretch",
    )
