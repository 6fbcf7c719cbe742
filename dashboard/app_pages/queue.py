"""Queue: filter items; approve, reject (reason), request changes (comment), reschedule,
bulk-approve. Every action goes through `phuxanh.review`, which checks role and unit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from sqlmodel import Session, select

from dashboard.common import current_user, local, session
from dashboard.i18n import status, t
from phuxanh import crud, review
from phuxanh.errors import PhuxanhError
from phuxanh.models import ContentItem, Theme, Unit, User
from phuxanh.settings import get_settings

st.title(t("nav.queue"))
with session() as s:
    units = {u.code: u.name for u in s.exec(select(Unit))}
    themes = {th.code: th.title_vi for th in s.exec(select(Theme))}
a, b, c = st.columns(3)
chosen_status = a.selectbox(
    t("queue.status"),
    ["in_review", "draft", "changes_requested", "scheduled", "published", "rejected", "failed"],
    format_func=status,
    key="f_status",
)
chosen_unit = b.selectbox(
    t("queue.unit"), ["", *units], format_func=lambda u: units.get(u, t("queue.all")), key="f_unit"
)
chosen_theme = c.selectbox(
    t("queue.theme"),
    ["", *themes],
    format_func=lambda x: themes.get(x, t("queue.all")),
    key="f_theme",
)


def act(item_id: int, action: Callable[[Session, ContentItem, User], object]) -> None:
    with session() as s:
        user = current_user(s)
        item = s.get(ContentItem, item_id)
        if user is None or item is None:
            return
        try:
            action(s, item, user)
            s.commit()
            st.success(t("queue.done", id=item_id))
        except PhuxanhError as exc:
            s.rollback()
            st.error(str(exc))


with session() as s:
    rows = crud.queue(
        s, status=chosen_status, unit_code=chosen_unit or None, theme_code=chosen_theme or None
    )
    signed_in = current_user(s) is not None
st.caption(t("queue.count", n=len(rows)))
if not signed_in:
    st.info(t("auth.needed"))
if (
    signed_in
    and rows
    and chosen_status == "in_review"
    and st.button(t("queue.bulk", n=len(rows)), key="bulk")
):
    ok = bad = 0
    with session() as s:
        user = current_user(s)
        for row in rows:
            item = s.get(ContentItem, row["id"])
            try:
                assert user is not None and item is not None
                review.approve(s, item=item, actor=user)
                s.commit()
                ok += 1
            except PhuxanhError:
                s.rollback()
                bad += 1
    st.info(t("queue.bulk_done", ok=ok, bad=bad))
if not rows:
    st.info(t("queue.empty"))
tz = get_settings().tz
for row in rows:
    with st.container(border=True):
        left, right = st.columns([1, 2])
        if row["media"] and Path(row["media"]).is_file():
            left.image(row["media"], width="stretch")
        right.markdown(
            f"**#{row['id']} · {row['theme']}** — {row['unit']} · "
            f"{local(row['scheduled_at'])} · {status(row['status'])}"
        )
        right.text(row["caption"])
        for fact in row["facts"]:
            right.caption(t("queue.source", source=fact["source"], ref=fact["ref"]))
        if not signed_in:
            continue
        k = row["id"]
        x, y, z = right.columns(3)
        if x.button(t("queue.approve"), key=f"approve-{k}", type="primary"):
            act(k, lambda s, i, u: review.approve(s, item=i, actor=u))
        reason = y.text_input(t("queue.reason"), key=f"reason-{k}")
        if y.button(t("queue.reject"), key=f"reject-{k}"):
            act(k, lambda s, i, u, r=reason: review.reject(s, item=i, actor=u, reason=r))
        comment = z.text_input(t("queue.comment"), key=f"comment-{k}")
        if z.button(t("queue.changes"), key=f"changes-{k}"):
            act(k, lambda s, i, u, c=comment: review.request_changes(s, item=i, actor=u, comment=c))
        when = row["scheduled_at"].astimezone(tz) if row["scheduled_at"] else dt.datetime.now(tz)
        day = x.date_input(t("queue.date"), value=when.date(), key=f"day-{k}", format="DD/MM/YYYY")
        hour = y.time_input(t("queue.time"), value=when.time(), key=f"time-{k}")
        if z.button(t("queue.reschedule"), key=f"move-{k}"):
            new = dt.datetime.combine(day, hour, tz)
            act(k, lambda s, i, u, w=new: review.edit(s, item=i, actor=u, scheduled_at=w))
