"""One queue item as reviewers see it: the media, the caption as each platform will show it,
the facts with their sources, the plan slot it fills; and the actions the signed-in user
may try. Every action calls `phuxanh.review`, which checks role, unit and state itself;
the buttons are forms, so Tab reaches each field and Enter submits it. An item with a send
whose outcome is unknown (`review.unsettled`) offers no action at all: it says why and
where a person settles it (Channel health)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st
from sqlmodel import Session

from dashboard.common import current_user, local, session
from dashboard.i18n import error, lang, status, t, why, word
from phuxanh import review
from phuxanh.core.errors import PhuxanhError
from phuxanh.core.settings import get_settings
from phuxanh.crud import QueueItem
from phuxanh.models import ContentItem, User
from phuxanh.platforms.preview import preview

Action = Callable[[Session, ContentItem, User], object]
EDITABLE = {"draft", "changes_requested", "in_review", "approved", "scheduled"}


@dataclass(frozen=True, slots=True)
class UnsettledSend:
    """A publication of an item that may be live without phuxanh knowing."""

    id: int
    state: str
    channel: str  # display name


def act(item_id: int, action: Action) -> bool:
    with session() as s:
        user = current_user(s)
        item = s.get(ContentItem, item_id)
        if user is None or item is None:
            return False
        try:
            action(s, item, user)
            s.commit()
        except PhuxanhError as exc:
            s.rollback()
            st.error(error(exc))
            return False
    st.session_state["flash"] = t("queue.done", id=item_id)
    st.rerun()  # redraw with the new state; the message survives the rerun


def flash() -> None:
    """The last action's confirmation, once."""
    message = st.session_state.pop("flash", None)
    if message:
        st.success(message)
        st.toast(message.split("\n")[0])


def _media(column: Any, path: str | None) -> None:
    if not path or not Path(path).is_file():
        return
    if path.endswith(".mp4"):
        column.video(path)
    else:
        column.image(path, width="stretch")


def _previews(column: Any, row: QueueItem) -> None:
    column.markdown(f"**{t('queue.preview')}**")
    if not row.channels:
        column.text(row.caption)
        return
    tabs = column.tabs([f"{c.platform} · {c.name}" for c in row.channels])
    for tab, channel in zip(tabs, row.channels, strict=True):
        shown = preview(channel.platform, channel.caption, link=row.link, has_media=bool(row.media))
        if shown.title:
            tab.markdown(f"*{t('queue.title_line', title=shown.title)}*")
        tab.text(shown.text)
        counted = (
            t("queue.chars", n=shown.length, limit=shown.limit)
            if shown.limit
            else t("queue.chars_free", n=shown.length)
        )
        extra = [counted]
        if shown.hashtags:
            extra.append(t("queue.hashtags", tags=" ".join("#" + h for h in shown.hashtags)))
        if shown.link:
            extra.append(t("queue.link", link=shown.link))
        tab.caption(" · ".join(extra))
        for problem in shown.messages:  # coded: in the interface's language
            tab.error(problem.text(lang()))
        for note in shown.notes:
            tab.caption(note)


def _facts(column: Any, row: QueueItem) -> None:
    for fact in row.facts:
        if fact.source and fact.ref:
            column.caption(
                f"{t('queue.fact', code=fact.code)} · "
                + t("queue.source", source=fact.source, ref=fact.ref)
            )
        else:
            column.error(t("queue.no_source", code=fact.code))


def _actions(column: Any, row: QueueItem, key: str, role: str) -> None:
    """The actions this role has; `phuxanh.review` checks again (and the author rule)."""
    k = row.id
    state = row.status
    approver = role in {str(r) for r in review.APPROVERS}
    if (
        state in ("draft", "changes_requested")
        and role in {str(r) for r in review.SUBMITTERS}
        and column.button(t("queue.submit"), key=f"submit-{key}", type="primary")
    ):
        act(k, lambda s, i, u: review.submit(s, item=i, actor=u))
    if not approver:
        return
    if state == "in_review" and column.button(
        t("queue.approve"), key=f"approve-{key}", type="primary"
    ):
        act(k, lambda s, i, u: review.approve(s, item=i, actor=u))
    if state not in ("in_review", "approved", "scheduled"):
        return
    x, y = column.columns(2)
    with x.form(f"reject-form-{key}", border=False):
        reason = st.text_input(t("queue.reason"), key=f"reason-{key}")
        if st.form_submit_button(t("queue.reject"), key=f"reject-{key}"):
            act(k, lambda s, i, u: review.reject(s, item=i, actor=u, reason=reason))
    with y.form(f"changes-form-{key}", border=False):
        comment = st.text_input(t("queue.comment"), key=f"comment-{key}")
        if st.form_submit_button(t("queue.changes"), key=f"changes-{key}"):
            act(k, lambda s, i, u: review.request_changes(s, item=i, actor=u, comment=comment))


def in_doubt(s: Session, item_ids: list[int]) -> dict[int, list[UnsettledSend]]:
    """Per item, its publications that may be live without phuxanh knowing (what locks
    the item), for `show`: pass each item's as `doubt` to read them all in one query."""
    return {
        item_id: [
            UnsettledSend(id=pub.id or 0, state=str(pub.state), channel=channel.display_name)
            for pub, channel in found
        ]
        for item_id, found in review.unsettled(s, item_ids).items()
    }


def _locked(column: Any, doubt: list[UnsettledSend]) -> None:
    """Why the item cannot change now, and where it is settled."""
    for pub in doubt:
        which = "queue.locked_check" if pub.state == "needs_check" else "queue.locked_sending"
        column.warning(t(which, pub=pub.id, channel=pub.channel), icon=":material/lock:")
    column.page_link(
        "app_pages/health.py", label=t("queue.locked_go"), icon=":material/monitor_heart:"
    )


def _reschedule(column: Any, row: QueueItem, key: str) -> None:
    tz = get_settings().tz
    when = row.scheduled_at.astimezone(tz) if row.scheduled_at else dt.datetime.now(tz)
    with column.form(f"move-form-{key}", border=False):
        a, b, c = st.columns([2, 2, 1], vertical_alignment="bottom")
        day = a.date_input(
            t("queue.date"), value=when.date(), key=f"day-{key}", format="DD/MM/YYYY"
        )
        hour = b.time_input(t("queue.time"), value=when.time(), key=f"time-{key}")
        if c.form_submit_button(t("queue.reschedule"), key=f"move-{key}"):
            new = dt.datetime.combine(day, hour, tz)
            act(row.id, lambda s, i, u: review.edit(s, item=i, actor=u, scheduled_at=new))


def show(
    row: QueueItem,
    *,
    role: str | None,
    key: str | None = None,
    doubt: list[UnsettledSend] | None = None,
) -> None:
    """Draw one item in a bordered box; `key` keeps widget keys apart across pages. `doubt`:
    the item's sends in doubt when the caller read them (`in_doubt`), else read here."""
    key = key or str(row.id)
    theme = row.theme_vi if lang() == "vi" else row.theme_en
    with st.container(border=True):
        left, right = st.columns([2, 3])
        _media(left, row.media)
        right.markdown(f"**{theme}** · {local(row.scheduled_at)} · **{status(row.status)}**")
        right.caption(
            t("queue.meta", id=row.id, version=row.version, author=row.author or "—", unit=row.unit)
        )
        if row.slot:
            right.caption(t("queue.slot", when=local(row.slot.when), why=why(row.slot.why)))
        else:
            right.caption(t("queue.no_slot"))
        for reason in row.hold_reasons:
            right.error(t("queue.held", reason=reason))
        if row.machine_drafted:
            right.info(t("queue.machine"))
        if row.sensitive:
            n = len({a.by for a in row.approvals if a.decision == "approved"})
            right.warning(t("queue.sensitive", n=n))
        for a in row.approvals[-3:]:
            right.caption(
                t("queue.approvals", by=a.by, decision=word(a.decision), at=local(a.at))
                + (f": {a.comment}" if a.comment else "")
            )
        _previews(right, row)
        if row.alt_text:
            right.caption(t("queue.alt", text=row.alt_text))
        _facts(right, row)
        if doubt is None and row.status in ("approved", "scheduled"):
            with session() as s:
                doubt = in_doubt(s, [row.id]).get(row.id)
        if doubt:  # no action: each would risk a second post (phuxanh.review.SendInDoubt)
            _locked(right, doubt)
        elif role is not None:
            _actions(right, row, key, role)
            if row.status in EDITABLE:
                _reschedule(right, row, key)
