"""Queue: items waiting for review (and the rest, by status), with media, caption, facts."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.common import STATUS_VI, local, session
from phuxanh import crud

st.title("Hàng chờ duyệt")
status = st.selectbox(
    "Trạng thái",
    ["in_review", "draft", "scheduled", "published", "failed"],
    format_func=lambda s: STATUS_VI.get(s, s),
)
with session() as s:
    rows = crud.queue(s, status=status)
st.caption(f"{len(rows)} mục")
if not rows:
    st.info("Không có mục nào ở trạng thái này.")
for row in rows:
    with st.container(border=True):
        left, right = st.columns([1, 2])
        if row["media"] and Path(row["media"]).is_file():
            left.image(row["media"], width="stretch")
        right.markdown(
            f"**#{row['id']} · {row['theme']}** — {local(row['scheduled_at'])} · "
            f"{STATUS_VI.get(row['status'], row['status'])}"
        )
        right.text(row["caption"])
        for fact in row["facts"]:
            right.caption(f"Nguồn: {fact['source']} ({fact['ref']})")
