"""Coverage: per theme, planned posts against approved and published; by week when the
plan spans several weeks. A unit chosen scopes the charts, the table, the gaps and the "6
rõ" table to that unit and the units below it; then the posts, products and reach by
audience and by language."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import altair as alt
import pandas as pd
import streamlit as st
from sqlmodel import select

from dashboard.common import current_user, session, unit_filter
from dashboard.i18n import lang, t
from phuxanh import crud
from phuxanh.catalog import audiences as audience_list
from phuxanh.catalog.languages import supported as supported_languages
from phuxanh.core.settings import get_settings
from phuxanh.models import Theme
from phuxanh.reports import figures as reporting
from phuxanh.reports import glance, wording
from phuxanh.reports.model import Period, period_of

# every theme's name on the axis (none dropped for overlapping), cut short on a phone
AXIS = alt.Axis(labelLimit=180, labelOverlap=False)

st.title(t("nav.coverage"))
tz = get_settings().tz
today = dt.datetime.now(tz).date()
quarter = period_of("quarter", today)
picked = st.date_input(
    t("cov.range"), value=(quarter.start, quarter.end), format="DD/MM/YYYY", key="cov_range"
)
start, end = (
    (picked[0], picked[-1])
    if isinstance(picked, tuple) and picked
    else (quarter.start, quarter.end)
)
with session() as s:
    user = current_user(s)
    if user is None:  # the session ended during this run
        st.info(t("auth.needed"))
        st.stop()
    unit = unit_filter(s, user, name="cov_unit")  # theirs and below (an admin: all)
with session() as s:
    # the plan and posts of the chosen unit and the units below it (`seen_from`), within
    # what the viewer sees
    rows = crud.coverage(
        s, tz=tz, start=start, end=end, viewer=glance.seen_from(s, viewer=user, unit_code=unit)
    )
    titles = {
        th.code: (th.title_vi if lang() == "vi" else th.title_en) for th in s.exec(select(Theme))
    }
if not rows:
    st.info(t("cov.empty"))
else:
    frame = pd.DataFrame([asdict(r) for r in rows])
    frame["theme"] = frame["theme"].map(lambda code: titles.get(code, code))
    totals = frame.groupby("theme", as_index=False)[
        ["planned", "approved", "published", "reach"]
    ].sum(min_count=1)
    planned = totals["planned"].where(totals["planned"] > 0)  # unplanned posts: no ratio
    totals["ratio"] = (100 * totals["published"] / planned).round().astype("Int64")
    # reach as the reports write it: a theme with no figure yet says so (never "None")
    reach = pd.to_numeric(totals["reach"], errors="coerce")
    totals["reach"] = [wording.n(None if pd.isna(v) else int(v), lang()) for v in reach]
    names = {
        "planned": t("cov.planned"),
        "approved": t("cov.approved"),
        "published": t("cov.published"),
    }
    long = totals.melt(id_vars="theme", value_vars=list(names), var_name="what", value_name="n")
    long["what"] = long["what"].map(names)
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("theme:N", title=None, axis=AXIS),
            yOffset=alt.YOffset("what:N", sort=list(names.values())),
            x=alt.X("n:Q", title=t("cov.posts"), axis=alt.Axis(format="d", tickMinStep=1)),
            color=alt.Color(
                "what:N",
                title=None,
                sort=list(names.values()),
                scale=alt.Scale(range=["#cbd5e1", "#86efac", "#15803d"]),
            ),
            tooltip=[
                alt.Tooltip("theme:N", title=t("cov.theme")),
                alt.Tooltip("what:N", title=t("cov.figure")),
                alt.Tooltip("n:Q", title=t("cov.posts")),
            ],
        )
        .properties(height=max(160, 60 * len(totals)))
    )
    st.altair_chart(bars, width="stretch")
    if frame["week"].nunique() > 1:
        frame["ratio"] = (frame["published"] / frame["planned"].where(frame["planned"] > 0)).clip(
            upper=1
        )
        heat = (
            alt.Chart(frame)
            .mark_rect()
            .encode(
                x=alt.X("week:O", title=t("cov.week")),
                y=alt.Y("theme:N", title=None, axis=AXIS),
                color=alt.Color(
                    "ratio:Q",
                    title=t("cov.ratio"),
                    scale=alt.Scale(domain=[0, 1]),
                    legend=alt.Legend(format="%"),
                ),
                tooltip=[
                    alt.Tooltip("theme:N", title=t("cov.theme")),
                    alt.Tooltip("week:O", title=t("cov.week")),
                    alt.Tooltip("planned:Q", title=t("cov.planned")),
                    alt.Tooltip("approved:Q", title=t("cov.approved")),
                    alt.Tooltip("published:Q", title=t("cov.published")),
                    alt.Tooltip("ratio:Q", title=t("cov.ratio"), format=".0%"),
                ],
            )
            .properties(height=max(120, 32 * totals.shape[0]))
        )
        st.altair_chart(heat, width="stretch")
    st.dataframe(
        totals.rename(
            columns={
                "theme": t("cov.theme"),
                **names,
                "ratio": t("cov.ratio_pct"),
                "reach": t("met.reach"),
            }
        ),
        hide_index=True,
        width="stretch",
    )

# Gaps against the plan and the "6 rõ" table for the same dates and unit (with the units
# below it, as the charts)
span = Period(
    "range",
    "range",
    start,
    end,
    f"{start:%d/%m/%Y} - {end:%d/%m/%Y}",
    f"{start:%d/%m/%Y} - {end:%d/%m/%Y}",
)
with session() as s:
    below = len(glance.scope(s, unit_code=unit, viewer=user)) > 1 if unit else False
    built = reporting.build(
        s, period=span, tz=tz, unit_code=unit or None, today=today, rollup=below
    )
st.subheader(t("cov.gaps"))
for finding in built.findings:  # worded in the desk's language, themes by their names
    st.warning(wording.say(finding, lang(), titles))
if not built.findings:
    st.success(t("cov.no_gaps"))
st.subheader(t("cov.six"))
if built.six_rows:
    columns = ["việc", "người", "trách nhiệm", "tiến độ", "sản phẩm", "hiệu quả"]
    cells = [wording.six_cells(row, lang(), titles) for row in built.six_rows]
    st.dataframe(
        pd.DataFrame([{t(f"cov.six.{i}"): c[k] for i, k in enumerate(columns)} for c in cells]),
        hide_index=True,
        width="stretch",
    )

# Results by audience and by language for the same dates and unit, as the report counts
# them (`figures.audiences_and_languages`), named in the desk's language
audience_names = {code: a.name(lang()) for code, a in audience_list.known().items()}
language_names = {code: x.name(lang()) for code, x in supported_languages().items()}
for title, first, found, names in (
    (t("cov.by_audience"), t("cov.audience"), built.audiences, audience_names),
    (t("cov.by_language"), t("cov.language"), built.languages, language_names),
):
    st.subheader(title)
    if not found:
        st.info(t("cov.none_published"))
        continue
    st.dataframe(
        pd.DataFrame(
            [
                {
                    first: names.get(r.code) or (t("cov.no_audience") if not r.code else r.code),
                    t("cov.products"): r.products,
                    t("cov.published"): r.published,
                    t("met.reach"): wording.n(r.reach, lang()),
                }
                for r in found
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    if found is built.audiences:
        if built.foreign is not None and built.totals.published:
            st.caption(t("cov.foreign", n=built.foreign.published, total=built.totals.published))
        st.caption(t("cov.audience_note"))
