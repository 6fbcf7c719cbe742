"""Audit: every action, hash-chained; the chain's state and a CSV export."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st
from sqlmodel import col, select

from dashboard.common import local, session
from dashboard.i18n import t
from phuxanh.core import audit
from phuxanh.models import AuditEvent

st.title(t("audit.title"))
with session() as s:
    verdict = audit.check(s)
    events = s.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(500)).all()
    buf = io.StringIO()
    audit.export_csv(s, buf)
if verdict.intact:
    st.success(t("audit.intact", rows=verdict.rows))
    st.caption(t("audit.head", head=verdict.head))
    if not verdict.key_set:
        st.warning(t("audit.unkeyed"))
elif verdict.bad_row is not None:
    st.error(t("audit.broken", row=verdict.bad_row))
else:
    st.error(t("audit.broken_end", row=verdict.last_id or 0))
if not events:
    st.info(t("audit.empty"))
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "#": e.id,
                    t("audit.col.at"): local(e.at),
                    t("audit.col.actor"): e.actor,
                    t("audit.col.action"): e.action,
                    t("audit.col.entity"): f"{e.entity} {e.entity_id}",
                    t("audit.col.hash"): (e.after_hash or e.before_hash or "")[:12],
                }
                for e in events
            ]
        ),
        hide_index=True,
        width="stretch",
    )
st.download_button(
    t("audit.download"),
    buf.getvalue().encode("utf-8-sig"),
    file_name="phuxanh-audit.csv",
    mime="text/csv",
)
