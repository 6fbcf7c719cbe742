"""My work (Việc của tôi): what the signed-in person must do now, from
`phuxanh.notify.my_work`: items waiting for their approval, items sent back to them, and
posts that need a person. Each item opens in the review queue, where its actions are; a
post opens Channel health, where it is settled. The same hand-offs are mailed when e-mail
is on (`phuxanh.notify`)."""

from __future__ import annotations

import streamlit as st

from dashboard.common import current_user, hold_for_queue, local, session
from dashboard.i18n import post_state, status, t
from phuxanh.notify.my_work import my_work

st.title(t("work.title"))
with session() as s:
    user = current_user(s)
    work = my_work(s, user=user) if user is not None else None
if work is None:  # the desk shows no page to a visitor who is signed out
    st.stop()
assert work is not None


def _head(item_id: int, caption: str) -> None:
    st.markdown(f"**{t('work.item', id=item_id)}**")
    st.text(caption or t("work.no_caption"))  # the author's text, never read as markup


if work.total == 0:
    st.success(t("work.none"))
else:
    st.caption(
        t(
            "work.summary",
            approve=len(work.to_approve),
            returned=len(work.returned),
            posts=len(work.posts),
        )
    )

if work.to_approve:
    st.subheader(t("work.to_approve", n=len(work.to_approve)))
for row in work.to_approve:
    with st.container(border=True):
        if row.urgent:
            st.markdown(f":red-badge[{t('queue.urgent')}] {t('work.urgent')}")
        _head(row.item_id, row.caption)
        st.caption(
            t("work.approve_meta", author=row.author, unit=row.unit, when=local(row.scheduled_at))
        )
        if row.sensitive:
            st.warning(t("work.sensitive", n=row.approvals))
        st.caption(t("work.approve_ask"))
        if st.button(
            t("work.open"),
            key=f"work-approve-{row.item_id}",
            on_click=hold_for_queue,
            args=(row.item_id,),
        ):
            st.switch_page("app_pages/queue.py")

if work.returned:
    st.subheader(t("work.returned", n=len(work.returned)))
for back in work.returned:
    with st.container(border=True):
        _head(back.item_id, back.caption)
        st.caption(
            t(
                "work.returned_meta",
                status=status(back.status),
                by=back.by or t("work.someone"),
                at=local(back.at),
            )
        )
        if back.reason:
            st.text(t("work.reason", reason=back.reason))
        ask = "work.changes_ask" if back.status == "changes_requested" else "work.rejected_ask"
        st.caption(t(ask))
        key = f"work-returned-{back.item_id}"
        if st.button(t("work.open"), key=key, on_click=hold_for_queue, args=(back.item_id,)):
            st.switch_page("app_pages/queue.py")

if work.posts:
    st.subheader(t("work.posts", n=len(work.posts)))
for post in work.posts:
    with st.container(border=True):
        _head(post.item_id, post.caption)
        st.caption(
            t(
                "work.post",
                pub=post.publication_id,
                id=post.item_id,
                channel=post.channel,
                state=post_state(post.state, post.platform),
                when=local(post.scheduled_at),
            )
        )
        if post.reason:
            st.text(t("work.reason", reason=post.reason))
        st.caption(t("work.post_ask"))
        st.page_link("app_pages/health.py", label=t("work.health"), icon=":material/monitor_heart:")
