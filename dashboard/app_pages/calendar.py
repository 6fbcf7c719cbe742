"""Calendar: planned slots by day and channel, coloured by status."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.common import session
from dashboard.i18n import status, t
from phuxanh import crud
from phuxanh.settings import get_settings

st.title(t("nav.calendar"))
tz = get_settings().tz
today = dt.datetime.now(tz).date()
start = st.date_input(
    "Từ ngày", value=today - dt.timedelta(days=today.weekday()), format="DD/MM/YYYY"
)
weeks = st.radio(
    "Xem", [1, 4], format_func=lambda w: "Tuần" if w == 1 else "Tháng", horizontal=True
)
end = start + dt.timedelta(days=7 * weeks - 1)
with session() as s:
    rows = crud.calendar(s, start=start, end=end, tz=tz)
    waves = crud.waves_between(s, start=start, end=end)
for w in waves:
    st.warning(
        f"Đợt cao điểm **{w['name']}** ({w['theme']}): {w['from']:%d/%m/%Y} → "
        f"{w['to']:%d/%m/%Y}, đỉnh {w['date']:%d/%m/%Y} ± {w['peak_days']} ngày",
        icon="🌊",
    )
if not rows:
    st.info("Chưa có bài nào được lên lịch trong khoảng này.")
else:
    frame = pd.DataFrame(
        [
            {
                "Ngày": r["when"].strftime("%d/%m/%Y"),
                "Giờ": r["when"].strftime("%H:%M"),
                "Kênh": r["channel"],
                "Chủ đề": r["theme"],
                "Trạng thái": status(r["status"]),
                "Lý do": r["why"],
            }
            for r in rows
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch")
