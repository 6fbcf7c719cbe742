"""phuxanh dashboard: `phuxanh dashboard` (Streamlit). Reads through `phuxanh.crud`."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts only this folder on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

st.set_page_config(page_title="phuxanh · TTĐN", page_icon="🌊", layout="wide")

PAGES = Path(__file__).resolve().parent / "app_pages"
nav = st.navigation(
    [
        st.Page(PAGES / "queue.py", title="Hàng chờ duyệt", icon="📝", default=True),
        st.Page(PAGES / "calendar.py", title="Lịch nội dung", icon="📅"),
        st.Page(PAGES / "coverage.py", title="Độ phủ chủ đề", icon="🧭"),
        st.Page(PAGES / "metrics.py", title="Hiệu quả", icon="📈"),
    ]
)
nav.run()
