"""One queue item as reviewers see it: the media, the caption as each platform will show it,
the facts with their sources, the plan slot it fills; and the actions the signed-in user
may try. Every action calls `phuxanh.review`, which checks role, unit and state itself;
the buttons are forms, so Tab reaches each field and Enter submits it. An item with a send
whose outcome is unknown (`review.unsettled`) offers no action at all: it says why and
where a person settles it (Channel health)."""

from __future__ import annotations

import datetime as dt
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st
from sqlmodel import Session, col, select
from streamlit.runtime.uploaded_file_manager import UploadedFile

from dashboard.common import current_user, local, session
from dashboard.i18n import STRINGS, error, lang, status, t, why, word
from phuxanh import review
from phuxanh.compose.items import edit_item, in_windows
from phuxanh.core.errors import PhuxanhError
from phuxanh.core.settings import get_settings
from phuxanh.crud import QueueItem
from phuxanh.history import CommentEntry, DecisionEntry, Entry, VersionEntry, timeline
from phuxanh.models import Channel, ContentItem, User
from phuxanh.platforms.preview import (
    FACEBOOK_FOLD_CHARS,
    FACEBOOK_FOLD_LINES,
    LIMITS,
    Preview,
    preview,
)

Action = Callable[[Session, ContentItem, User], object]
EDITABLE = {"draft", "changes_requested", "in_review", "approved", "scheduled"}
EDITORS = {str(r) for r in review.SUBMITTERS | review.APPROVERS}  # who may edit an item
MEDIA_TYPES = ["png", "jpg", "jpeg", "webp", "mp4", "mov", "webm"]  # what can be attached


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
    """Per channel, the caption as that platform shows it (`platforms.preview`): Facebook's
    "Xem thêm" fold marked, X's weighted count, Telegram's caption or message limit, the
    title the platform takes, the link exactly as the publisher sends it (`row.link`, the
    item's link with its UTM tags), and the notes and problems in the reader's language."""
    column.markdown(f"**{t('queue.preview')}**")
    if not row.channels:
        column.text(row.caption)
        return
    tabs = column.tabs([f"{c.platform} · {c.name}" for c in row.channels])
    for tab, channel in zip(tabs, row.channels, strict=True):
        shown = preview(channel.platform, channel.caption, link=row.link, has_media=bool(row.media))
        _preview_tab(tab, shown)


PREVIEW_WARNINGS = {"source_folded", "link_not_posted"}  # notes a reviewer should act on


def _preview_tab(tab: Any, shown: Preview) -> None:
    """One platform's preview (`_previews`); the caption is shown as text, never markup."""
    if shown.title:
        tab.markdown(f"*{t('queue.title_line', title=shown.title)}*")
    if shown.fold is None:
        tab.text(shown.text)
    else:  # what the feed shows, the fold, then what only "Xem thêm" opens
        tab.text(f"{shown.fold.visible}… {t('preview.see_more')}")
        tab.caption(t("preview.fold", chars=FACEBOOK_FOLD_CHARS, lines=FACEBOOK_FOLD_LINES))
        tab.text(shown.fold.hidden)
    if shown.limit and shown.weighted:
        counted = t("preview.chars_weighted", n=shown.length, limit=shown.limit)
    elif shown.limit:
        counted = t("queue.chars", n=shown.length, limit=shown.limit)
    else:
        counted = t("queue.chars_free", n=shown.length)
    extra = [counted]
    if shown.hashtags:
        extra.append(t("queue.hashtags", tags=" ".join("#" + h for h in shown.hashtags)))
    if shown.link:  # as code: markdown would read utm_source=…&utm_medium as italics
        extra.append(t("queue.link", link=f"`{shown.link}`"))
    tab.caption(" · ".join(extra))
    for problem in shown.messages:  # coded: in the interface's language
        tab.error(problem.text(lang()))
    for note in shown.notes:
        params = {k: f"`{v}`" if k == "link" else v for k, v in note.params.items()}
        said = t(f"preview.note.{note.code}", **params)
        (tab.warning if note.code in PREVIEW_WARNINGS else tab.caption)(said)


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
            act(row.id, lambda s, i, u: edit_item(s, item=i, actor=u, scheduled_at=new))


# --- writing: counters, uploads, editing, the conversation, the history ----------------------


def saved_upload(upload: UploadedFile | None, folder: Path) -> Path | None:
    """The file a person uploaded, written into `folder` (a temporary directory outside
    the media root) under its own name; the domain checks it and copies it under the
    media root by content (`stored.bring_in`), removing its copy again when refused."""
    if upload is None:
        return None
    path = folder / (Path(upload.name).name or "upload")
    path.write_bytes(upload.getvalue())
    return path


def counters(
    where: Any, shown: Sequence[tuple[str, str, str]], *, link: str | None, has_media: bool
) -> None:
    """Per channel (name, platform, caption it gets): the caption's length as that
    platform counts it, and each limit it breaks, in the interface's language."""
    for name, platform, text in shown:
        seen = preview(platform, text, link=link, has_media=has_media)
        limit = LIMITS.get(platform)
        key = (
            "compose.count_free"
            if seen.limit is None
            else "compose.count_weighted"
            if limit is not None and limit.weighted
            else "compose.count"
        )
        line = t(key, channel=name, label=seen.label, n=seen.length, limit=seen.limit)
        if seen.messages:
            where.error("\n\n".join([line, *(m.text(lang()) for m in seen.messages)]))
        else:
            where.caption(line)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _kind(kind: str) -> str:
    key = f"thread.kind.{kind}"
    return t(key) if key in STRINGS[lang()] else kind


def _conversation(entries: list[Entry]) -> list[CommentEntry | DecisionEntry]:
    return [e for e in entries if isinstance(e, CommentEntry | DecisionEntry)]


def _said(entries: list[CommentEntry | DecisionEntry]) -> None:
    """The conversation: who, when, what kind, on which version, and the words (shown as
    text, never read as markup)."""
    if not entries:
        st.caption(t("thread.empty"))
    for e in entries:
        kind, text = ("comment", e.text) if isinstance(e, CommentEntry) else (e.decision, e.comment)
        with st.container(border=True):
            st.caption(
                t("thread.meta", who=e.user, when=local(e.at), kind=_kind(kind), n=e.version)
            )
            if text:
                st.text(text)


def _lazy(column: Any, label: str, key: str) -> Any | None:
    """An expander whose content runs only while it is open (the container, or None)."""
    box = column.expander(label, key=key, on_change="rerun")
    return box if box.open else None


def _save_edit(item_id: int, upload: UploadedFile | None, k: str, **changes: Any) -> None:
    """`edit_item` with what the form changed; a refusal is shown, nothing is kept."""
    with tempfile.TemporaryDirectory() as folder, session() as s:
        user = current_user(s)
        item = s.get(ContentItem, item_id)
        if user is None or item is None:
            return
        before = item.version
        try:
            edit_item(s, item=item, actor=user, media=saved_upload(upload, Path(folder)), **changes)
            s.commit()
        except PhuxanhError as exc:
            s.rollback()
            st.error(error(exc))
            return
    if item.version == before:
        st.info(t("edit.unchanged"))
        return
    st.session_state["flash"] = t("edit.saved", n=item.version, id=item_id)
    st.session_state[k] = int(st.session_state.get(k, 0)) + 1  # fresh fields from the item
    st.rerun()


def _edit(row: QueueItem, key: str, role: str) -> None:
    """The item's texts, file, time and note as fields; the comments above them; save
    makes a new version (`edit_item` checks every rule and says which field is wrong)."""
    with session() as s:
        item = s.get(ContentItem, row.id)
        if item is None:
            return
        channels = list(
            s.exec(
                select(Channel)
                .where(col(Channel.id).in_(item.channel_ids))
                .order_by(col(Channel.code))
            )
        )
        talk = _conversation(timeline(s, row.id))
    st.markdown(f"**{t('edit.version', n=item.version)}**")
    if talk:
        st.markdown(t("edit.comments"))
        _said(talk[-5:])
    nonce = f"edit-n-{key}"
    k = f"{key}-{st.session_state.get(nonce, 0)}"
    common = st.text_area(t("edit.caption"), value=item.caption, height=160, key=f"edit-cap-{k}")
    counted = st.container()  # under the captions; filled once the file is known
    own: dict[str, str] = {}
    if len(channels) > 1 or item.captions:
        for c in channels:
            own[c.code] = st.text_area(
                t("edit.own", channel=c.display_name),
                value=item.captions.get(c.code, ""),
                help=t("edit.own_help"),
                key=f"edit-own-{c.code}-{k}",
            )
    upload = st.file_uploader(t("edit.media"), type=MEDIA_TYPES, key=f"edit-media-{k}")
    if item.media_path:
        st.caption(t("edit.media_now", name=Path(item.media_path).name))
    counters(
        counted,
        [(c.display_name, c.platform, _nfc(own.get(c.code, "")) or common) for c in channels],
        link=item.link,
        has_media=bool(item.media_path) or upload is not None,
    )
    alt = st.text_area(t("edit.alt"), value=item.alt_text or "", height=80, key=f"edit-alt-{k}")
    tz = get_settings().tz
    was = item.scheduled_at.astimezone(tz) if item.scheduled_at else None
    start = was or (dt.datetime.now(tz) + dt.timedelta(hours=2)).replace(minute=0, second=0)
    a, b = st.columns(2)
    day = a.date_input(t("edit.date"), value=start.date(), format="DD/MM/YYYY", key=f"edit-day-{k}")
    hour = b.time_input(t("edit.time"), value=start.time(), key=f"edit-time-{k}")
    when = dt.datetime.combine(day, hour, tz)
    moved = was is None or when != was.replace(second=0, microsecond=0)
    override = None
    outside = [c for c in channels if moved and not in_windows(c.posting_windows, when)]
    for c in outside:
        st.warning(
            t(
                "edit.outside",
                at=local(when),
                channel=c.display_name,
                windows=", ".join(c.posting_windows),
            )
        )
    if outside and role in {str(r) for r in review.APPROVERS}:
        override = st.text_input(t("edit.override"), key=f"edit-why-{k}").strip() or None
    elif outside:
        st.caption(t("edit.override_editor"))
    note = st.text_input(t("edit.note"), key=f"edit-note-{k}").strip() or None
    if item.status in ("approved", "scheduled"):
        st.warning(t("edit.back_to_review"), icon=":material/undo:")
    if st.button(t("edit.save"), type="primary", key=f"edit-save-{key}"):
        captions = {
            code: _nfc(text) or None
            for code, text in own.items()
            if _nfc(text) != item.captions.get(code, "")
        }
        _save_edit(
            row.id,
            upload,
            nonce,
            caption=common if _nfc(common) != item.caption else None,
            captions=captions or None,
            scheduled_at=when if moved else None,
            alt_text=alt if _nfc(alt) != (item.alt_text or "") else None,
            note=note,
            outside_windows=override,
        )


def _thread(row: QueueItem, key: str) -> None:
    """The review conversation, and a box to add to it (`review.comment`)."""
    with session() as s:
        talk = _conversation(timeline(s, row.id))
    _said(talk)
    with st.form(f"thread-form-{key}", clear_on_submit=True, border=False):
        text = st.text_area(t("thread.add"), height=80, key=f"thread-text-{key}")
        if st.form_submit_button(t("thread.send"), key=f"thread-send-{key}"):
            with session() as s:
                user, item = current_user(s), s.get(ContentItem, row.id)
                if user is None or item is None:
                    return
                try:
                    review.comment(s, item=item, actor=user, text=text, field="thread")
                    s.commit()
                except PhuxanhError as exc:
                    s.rollback()
                    st.error(error(exc))
                    return
            st.session_state["flash"] = t("thread.sent", id=row.id)
            st.rerun()


def _field(name: str) -> str:
    if name.startswith("card."):
        return t("history.field.card", name=name.removeprefix("card."))
    key = f"history.field.{name}"
    return t(key) if key in STRINGS[lang()] else name


def _value(name: str, value: str | None) -> str:
    if value is None or value == "":
        return t("history.none")
    if name == "scheduled_at":
        return local(dt.datetime.fromisoformat(value))
    if name == "media":
        return Path(value).name
    return value


def _history(row: QueueItem) -> None:
    """Every version with what it changed (the caption as a diff: removed lines red, added
    green), every decision and every comment, oldest first."""
    with session() as s:
        entries = timeline(s, row.id)
    if not entries:
        st.caption(t("history.empty"))
    first = True
    for e in entries:
        if isinstance(e, VersionEntry):
            st.markdown(f"**{t('history.version', n=e.version, who=e.editor, when=local(e.at))}**")
            if e.note:
                st.caption(t("history.note", note=e.note))
            if first:
                st.caption(t("history.first"))
            elif e.caption_diff:
                st.code(e.caption_diff, language="diff", wrap_lines=True)
            else:
                st.caption(t("history.same_caption"))
            for change in e.changes:
                st.caption(
                    t(
                        "history.change",
                        field=_field(change.field),
                        before=_value(change.field, change.before),
                        after=_value(change.field, change.after),
                    )
                )
            first = False
        elif isinstance(e, DecisionEntry):
            st.markdown(
                t(
                    "history.decision",
                    who=e.user,
                    kind=_kind(e.decision),
                    n=e.version,
                    when=local(e.at),
                )
            )
            if e.comment:
                st.text(e.comment)
        else:
            st.markdown(t("history.comment", who=e.user, n=e.version, when=local(e.at)))
            st.text(e.text)


def _desk(column: Any, row: QueueItem, key: str, role: str, *, editable: bool) -> None:
    """Edit, conversation and history, each read and drawn only while it is open."""
    if editable and role in EDITORS and row.status in EDITABLE:
        box = _lazy(column, t("edit.title"), f"edit-open-{key}")
        if box is not None:
            with box:
                _edit(row, key, role)
    box = _lazy(column, t("thread.title"), f"thread-open-{key}")
    if box is not None:
        with box:
            _thread(row, key)
    box = _lazy(column, t("history.title"), f"history-open-{key}")
    if box is not None:
        with box:
            _history(row)


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
    theme = (row.theme_vi if lang() == "vi" else row.theme_en) or t("queue.no_theme")
    with st.container(border=True):
        left, right = st.columns([2, 3])
        _media(left, row.media)
        urgent = f":red-badge[{t('queue.urgent')}] " if row.urgent else ""
        right.markdown(
            f"{urgent}**{theme}** · {local(row.scheduled_at)} · **{status(row.status)}**"
        )
        right.caption(
            t("queue.meta", id=row.id, version=row.version, author=row.author or "—", unit=row.unit)
        )
        if row.slot:
            said = why(row.slot.why, theme)  # the theme's name, never its code
            right.caption(t("queue.slot", when=local(row.slot.when), why=said))
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
        if role is not None:
            _desk(right, row, key, role, editable=not doubt)
