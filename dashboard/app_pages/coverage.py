"""Coverage: per theme and week, planned against approved and published."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.common import session
from dashboard.i18n import t
from phuxanh import crud
from phuxanh.settings import get_settings

st.title(t("nav.coverage"))
with session() as s:
    rows = crud.coverage(s, tz=get_settings().tz)
if not rows:
    st.info(t("cov.empty"))
else:
    frame = pd.DataFrame(rows)
    frame["ratio"] = frame["published"] / frame["planned"]
    chart = (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=alt.X("week:O", title=t("cov.week")),
            y=alt.Y("theme:N", title=t("cov.theme")),
            color=alt.Color("ratio:Q", title=t("cov.ratio"), scale=alt.Scale(domain=[0, 1])),
            tooltip=["theme", "week", "planned", "approved", "published"],
        )
    )
    st.altair_chart(chart, width="stretch")
    st.dataframe(
        frame.rename(
            columns={
                "theme": t("cov.theme"),
                "week": t("cov.week"),
                "planned": t("cov.planned"),
                "approved": t("cov.approved"),
                "published": t("cov.published"),
            }
        ),
        hide_index=True,
        width="stretch",
    )
