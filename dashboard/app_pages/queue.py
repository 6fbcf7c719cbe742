"""Queue: filter by unit, theme, channel, dates, language and status; submit, approve,
reject (reason), request changes (comment), reschedule; bulk-approve the filtered set.
Every action goes through `phuxanh.review`, which checks role and unit itself. An item
whose send is in doubt offers none of them and points at Channel health."""

from __future__ import annotations

import datetime as dt

import streamlit as st
from sqlmodel import select

from dashboard import item_view
from dashboard.common import choice, current_user, session
from dashboard.i18n import error, lang, status, t
from phuxanh import crud, review
from phuxanh.core.errors import PhuxanhError
from phuxanh.core.settings import get_settings
from phuxanh.models import Channel, ContentItem, Theme, Unit

STATES = [
    "in_review",
    "draft",
    "changes_requested",
    "approved",
    "scheduled",
    "published",
    "rejected",
    "failed",
]

st.title(t("nav.queue"))
item_view.flash()
with session() as s:
    units = {u.code: u.name for u in s.exec(select(Unit))}
    themes = {
        th.code: (th.title_vi if lang() == "vi" else th.title_en) for th in s.exec(select(Theme))
    }
    channels = {c.code: f"{c.platform} · {c.display_name}" for c in s.exec(select(Channel))}
    user = current_user(s)
    signed_in = user is not None
    role = str(user.role) if user is not None else None

opened = st.session_state.get("open_item")
if opened is not None:
    st.info(t("queue.open", id=opened))
    if st.button(t("queue.close"), key="close-item"):
        st.session_state.pop("open_item")
        st.rerun()
a, b, c = st.columns(3)
chosen_status = choice(a, t("queue.status"), STATES, name="f_status", format_func=status)
chosen_unit = choice(
    b,
    t("queue.unit"),
    ["", *units],
    name="f_unit",
    format_func=lambda u: units.get(u, t("queue.all")),
)
chosen_theme = choice(
    c,
    t("queue.theme"),
    ["", *themes],
    name="f_theme",
    format_func=lambda x: themes.get(x, t("queue.all")),
)
d, e, f = st.columns(3)
chosen_channel = choice(
    d,
    t("queue.channel"),
    ["", *channels],
    name="f_channel",
    format_func=lambda x: channels.get(x, t("queue.all")),
)
chosen_lang = choice(
    e,
    t("queue.language"),
    ["", "vi", "en"],
    name="f_lang",
    format_func=lambda x: {"": t("queue.all"), "vi": "Tiếng Việt", "en": "English"}[x],
)
dates = f.date_input(t("queue.dates"), value=[], format="DD/MM/YYYY", key="f_dates")
day_from: dt.date | None = None
day_to: dt.date | None = None
if dates:
    day_from = dates[0]
    day_to = dates[1] if len(dates) > 1 else dates[0]

with session() as s:
    if opened is not None:
        rows = crud.queue(s, item_id=int(opened))
    else:
        rows = crud.queue(
            s,
            status=chosen_status,
            unit_code=chosen_unit or None,
            theme_code=chosen_theme or None,
            channel_code=chosen_channel or None,
            language=chosen_lang or None,
            day_from=day_from,
            day_to=day_to,
            tz=get_settings().tz,
        )
    # items with a send in doubt are locked: read for the whole page in one query
    doubt = item_view.in_doubt(s, [row.id for row in rows])
st.caption(t("queue.count", n=len(rows)))
if signed_in:
    st.caption(t("auth.keys"))
else:
    st.info(t("auth.needed"))
approver = role in {str(r) for r in review.APPROVERS}
if (
    approver
    and rows
    and opened is None
    and chosen_status == "in_review"
    and st.button(t("queue.bulk", n=len(rows)), key="bulk")
):
    ok = bad = 0
    problems: list[str] = []
    with session() as s:
        actor = current_user(s)
        for row in rows:
            item = s.get(ContentItem, row.id)
            if actor is None or item is None:
                continue
            try:
                review.approve(s, item=item, actor=actor)
                s.commit()
                ok += 1
            except PhuxanhError as exc:
                s.rollback()
                bad += 1
                problems.append(error(exc))
    st.session_state["flash"] = "\n\n".join([t("queue.bulk_done", ok=ok, bad=bad), *problems[:5]])
    st.rerun()
if not rows:
    st.info(t("queue.empty"))
for row in rows:
    item_view.show(row, role=role, doubt=doubt.get(row.id, []))
