"""Reports: when each periodic report is due, and its draft (DOCX, PDF, XLSX) on demand."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.common import current_user, session, unit_options
from dashboard.i18n import error, t
from phuxanh import jobs
from phuxanh.core.errors import PhuxanhError
from phuxanh.core.settings import get_settings
from phuxanh.reports import figures as reporting
from phuxanh.reports.model import period_of

st.title(t("nav.reports"))
tz = get_settings().tz
today = dt.datetime.now(tz).date()
with session() as s:
    due = reporting.due_dates(s, today=today)
    units = unit_options(s, current_user(s))  # theirs and below (an admin: all)
if due:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("rep.due"): f"{d.due:%d/%m/%Y}",
                    t("rep.left"): d.days_left,
                    t("rep.period"): d.label if t("rep.lang") == "vi" else d.period,
                    t("rep.campaign"): d.campaign,
                    t("rep.source"): d.source,
                }
                for d in due
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info(t("rep.no_due"))
a, b = st.columns(2)
default = due[0].period if due else period_of("quarter", today).code
period = a.text_input(t("rep.period_code"), value=default, key="rep_period")
unit = b.selectbox(t("queue.unit"), list(units), key="rep_unit", format_func=units.__getitem__)
cols = st.columns(3)
for col, fmt in zip(cols, ("docx", "pdf", "xlsx"), strict=True):
    if col.button(t("rep.make", fmt=fmt.upper()), key=f"make-{fmt}"):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / f"bao-cao-{period}.{fmt}"
            try:
                jobs.report(
                    period=period,
                    unit_code=unit or None,
                    fmt=fmt,
                    out=out,
                    database_url=get_settings().database_url,
                )
            except PhuxanhError as exc:
                st.error(error(exc))
            else:
                st.session_state[f"report-{fmt}"] = (out.name, out.read_bytes())
    ready = st.session_state.get(f"report-{fmt}")
    if ready:
        col.download_button(
            t("rep.download", name=ready[0]), ready[1], file_name=ready[0], key=f"dl-{fmt}"
        )
