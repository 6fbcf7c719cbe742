"""Channel health: paused channels, last errors, posts waiting for a person, and whether
posts and metrics are still flowing, per official channel."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.common import local, session
from dashboard.i18n import t
from phuxanh import crud
from phuxanh.pauses import active

st.title(t("nav.health"))
with session() as s:
    rows = crud.channel_health(s, now=dt.datetime.now(dt.UTC))
    pauses = active(s)
for p in pauses:
    st.error(t("health.paused", scope=p["channel"] or t("queue.all"), reason=p["reason"],
               by=p["by"], since=local(p["since"])), icon=":material/pause_circle:")
if not rows:
    st.info(t("health.empty"))
else:
    bad = [r for r in rows if not r["ok"]]
    (st.warning if bad else st.success)(t("health.summary", bad=len(bad), n=len(rows)))
    st.dataframe(pd.DataFrame([{
        t("health.state"): "✓" if r["ok"] else ("⏸" if r["paused"] else "!"),
        t("met.channel"): r["name"],
        t("health.platform"): r["platform"],
        t("queue.unit"): r["unit"],
        t("health.published_7d"): r["published_7d"],
        t("health.waiting"): r["waiting"],
        t("health.last_published"): local(r["last_published"]),
        t("health.last_metrics"): local(r["last_metrics"]),
        t("health.problem"): r["pause_reason"] or r["last_error"] or "",
    } for r in rows]), hide_index=True, width="stretch")
