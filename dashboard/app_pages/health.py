"""Channel health: paused channels, last errors, posts waiting for a person, and whether
posts and metrics are still flowing, per official channel."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.common import current_user, local, session
from dashboard.i18n import error, post_state, status, t
from phuxanh import crud
from phuxanh.compose.feeds import FeedStatus, failure_kind, feed_status, load_feeds
from phuxanh.core.errors import PhuxanhError
from phuxanh.core.settings import get_settings
from phuxanh.publish.pauses import active
from phuxanh.publish.resolve import RESOLVERS, may_settle, resolve

st.title(t("nav.health"))
with session() as s:
    user = current_user(s)
    # the channels and posts of the viewer's unit and the units below it (an admin: all)
    rows = crud.channel_health(s, now=dt.datetime.now(dt.UTC), viewer=user)
    shown = {r.code for r in rows}
    # a pause of every channel, or of one of theirs
    pauses = [p for p in active(s) if p.channel is None or p.channel in shown]
    waiting = crud.waiting_for_a_person(s, viewer=user)
    # the unit rule of approval: only posts of the user's unit or a unit below it
    mine = may_settle(s, user, [w.id for w in waiting]) if user is not None else []
for p in pauses:
    st.error(
        t(
            "health.paused",
            scope=p.channel or t("queue.all"),
            reason=p.reason,
            by=p.by,
            since=local(p.since),
        ),
        icon=":material/pause_circle:",
    )
if not rows:
    st.info(t("health.empty"))
else:
    bad = [r for r in rows if not r.ok]
    (st.warning if bad else st.success)(t("health.summary", bad=len(bad), n=len(rows)))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("health.state"): "✓" if r.ok else ("⏸" if r.paused else "!"),
                    t("met.channel"): r.name,
                    t("health.platform"): r.platform,
                    t("queue.unit"): r.unit,
                    t("health.published_7d"): r.published_7d,
                    t("health.waiting"): r.waiting,
                    t("health.last_published"): local(r.last_published),
                    t("health.last_metrics"): local(r.last_metrics),
                    t("health.problem"): r.pause_reason or r.last_error or "",
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )

st.subheader(t("health.waiting_title"))
if not waiting:
    st.info(t("health.waiting_none"))
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("health.pub"): w.id,
                    t("health.state"): post_state(w.state, w.platform),
                    t("met.channel"): w.channel,
                    t("health.when"): local(w.scheduled_at),
                    t("health.why"): w.reason,
                    t("health.text"): w.text.splitlines()[0][:80] if w.text else "",
                }
                for w in waiting
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    if user is None or user.role not in RESOLVERS:
        st.caption(t("health.resolvers"))
    elif not mine:
        st.caption(t("health.not_yours"))
    else:
        with st.form("resolve"):
            st.markdown(f"**{t('health.resolve')}**")
            pub_id = st.selectbox(t("health.pub"), mine, key="pub")
            found = st.radio(
                t("health.action"),
                ["live", "not_sent", "cancel"],
                format_func=lambda k: t(f"health.{k}"),
                key="found",
            )
            url = st.text_input(t("health.url"), key="url")
            reason = st.text_input(t("health.reason"), key="reason")
            if st.form_submit_button(t("health.submit")):
                with session() as s:
                    try:
                        pub = resolve(
                            s,
                            pub_id=int(pub_id),
                            actor=user.username,
                            live_url=url.strip() if found == "live" else None,
                            not_sent=found == "not_sent",
                            cancel=reason if found == "cancel" else None,
                        )
                        st.success(t("health.done", id=pub.id, state=status(str(pub.state))))
                    except PhuxanhError as exc:
                        st.error(error(exc))


def _feed_answer(f: FeedStatus) -> str:
    """The last answer in words: what it brought, nothing new, or why it failed."""
    if not f.enabled and f.answer == "never":
        return t("feeds.answer.disabled")
    if f.answer == "failed":
        why = t(f"feeds.why.{failure_kind(f.reason or '')}")
        if f.failing_since is not None:
            return t(
                "feeds.answer.failed_since", why=why, detail=f.reason, since=local(f.failing_since)
            )
        return t("feeds.answer.failed", why=why, detail=f.reason or "")
    if f.answer == "ok":
        return t("feeds.answer.ok", n=f.last_entries, drafts=f.last_drafts)
    return t(f"feeds.answer.{f.answer}")


# the official news feeds (content/feeds.yaml): when each last answered, and what it brought
st.subheader(t("feeds.title"))
feeds_path = get_settings().content_dir / "feeds.yaml"
try:
    feeds_cfg = load_feeds(feeds_path)
except PhuxanhError as exc:
    st.error(t("feeds.unreadable", file=str(feeds_path), why=error(exc)))
else:
    with session() as s:
        feed_rows = feed_status(s, feeds_cfg)
    if not feed_rows:
        st.info(t("feeds.none", file=str(feeds_path)))
    else:
        failing = [f for f in feed_rows if f.answer == "failed"]
        if failing:
            st.warning(t("feeds.failing", n=len(failing), total=len(feed_rows)))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("health.state"): "✓"
                        if f.answer in ("ok", "unchanged")
                        else ("!" if f.answer == "failed" else "—"),
                        t("feeds.outlet"): f.outlet,
                        t("feeds.code"): f.code,
                        t("feeds.enabled"): t("feeds.on") if f.enabled else t("feeds.off"),
                        t("feeds.polled_at"): local(f.polled_at),
                        t("feeds.answered_at"): local(f.answered_at),
                        t("feeds.answer"): _feed_answer(f),
                        t("feeds.brought"): t("feeds.brought_n", n=f.entries, drafts=f.drafts),
                    }
                    for f in feed_rows
                ]
            ),
            hide_index=True,
            width="stretch",
            column_config={t("feeds.answered_at"): st.column_config.Column(help=t("feeds.note"))},
        )
