"""phuxanh dashboard: `phuxanh dashboard` (Streamlit). Reads through `phuxanh.crud`;
actions call the same domain functions as the CLI, which check roles themselves."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts only this folder on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard.common import sidebar_sign_in  # noqa: E402
from dashboard.i18n import t  # noqa: E402

st.set_page_config(page_title="phuxanh · TTĐN", page_icon=":material/sailing:", layout="wide")
st.sidebar.radio(
    t("app.lang"),
    ["vi", "en"],
    key="lang",
    horizontal=True,
    format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code],
)
sidebar_sign_in()

PAGES = Path(__file__).resolve().parent / "app_pages"
nav = st.navigation(
    [
        st.Page(PAGES / "queue.py", title=t("nav.queue"), icon=":material/fact_check:",
                default=True),
        st.Page(PAGES / "calendar.py", title=t("nav.calendar"), icon=":material/calendar_month:"),
        st.Page(PAGES / "coverage.py", title=t("nav.coverage"), icon=":material/donut_large:"),
        st.Page(PAGES / "metrics.py", title=t("nav.metrics"), icon=":material/monitoring:"),
        st.Page(PAGES / "health.py", title=t("nav.health"), icon=":material/monitor_heart:"),
        st.Page(PAGES / "reports.py", title=t("nav.reports"), icon=":material/description:"),
        st.Page(PAGES / "audit.py", title=t("nav.audit"), icon=":material/verified_user:"),
    ]
)
nav.run()
