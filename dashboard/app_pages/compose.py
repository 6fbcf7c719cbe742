"""Compose (Soạn bài): a person writes a post for one or several channels of their units,
with or without a theme, a time, a photo or video and its description, and sends it for
review. `phuxanh.compose.items.create_item` makes one item per channel (it takes one
channel) and submits it, all in one transaction; its first version holds the caption, the
media and its description. "Urgent" puts it first for the approvers. Audiences (optional)
say whom it is for; none: its channels' (`catalog.audiences.of_item`). The caption's length
on each chosen channel's platform is counted as the reader will see it
(`phuxanh.platforms.preview`)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import streamlit as st
from sqlmodel import col, select

from dashboard import item_view
from dashboard.common import choice, current_user, local, session
from dashboard.i18n import error, lang, t, word
from phuxanh import review
from phuxanh.catalog import audiences as audience_list
from phuxanh.compose.items import create_item, in_windows
from phuxanh.core.errors import PhuxanhError
from phuxanh.core.settings import get_settings
from phuxanh.crud import visible_units
from phuxanh.models import Channel, Theme, utcnow

st.title(t("compose.title"))
with session() as s:
    user = current_user(s)
    seen = visible_units(s, user) if user is not None else frozenset()
    channels = [
        c
        for c in s.exec(select(Channel).order_by(col(Channel.display_name)))
        if seen is None or c.unit_id in seen
    ]
    themes = list(s.exec(select(Theme).order_by(col(Theme.code))))
if user is None:  # the desk shows no page to a visitor who is signed out
    st.stop()
assert user is not None

item_view.flash()
if user.role not in review.SUBMITTERS:  # create_item submits: approvers may not
    st.info(t("compose.cannot", role=word(str(user.role))))
    st.stop()
st.caption(t("compose.intro"))
if not channels:
    st.info(t("compose.no_channels"))
    st.stop()

by_code = {c.code: c for c in channels}
n = int(st.session_state.get("compose-n", 0))  # a new form after each post
chosen: list[str] = st.multiselect(
    t("compose.channels"),
    list(by_code),
    format_func=lambda code: f"{by_code[code].display_name} · {by_code[code].platform}",
    key=f"compose-channels-{n}",
)
titles = {th.code: th.title_vi if lang() == "vi" else th.title_en for th in themes}
theme = choice(  # a choice that survives the language switch
    st,
    t("compose.theme"),
    ["", *titles],
    name=f"compose-theme-{n}",
    format_func=lambda code: titles.get(code, t("compose.no_theme")),
)
tz = get_settings().tz
soon = (dt.datetime.now(tz) + dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
a, b = st.columns(2)
day = a.date_input(
    t("compose.date"), value=soon.date(), format="DD/MM/YYYY", key=f"compose-day-{n}"
)
hour = b.time_input(t("compose.time"), value=soon.time(), key=f"compose-time-{n}")
when = dt.datetime.combine(day, hour, tz)
caption = st.text_area(t("compose.caption"), height=200, key=f"compose-caption-{n}")
counted = st.container()  # under the caption; filled once the file is known
link = st.text_input(t("compose.link"), key=f"compose-link-{n}").strip() or None
upload = st.file_uploader(t("compose.media"), type=item_view.MEDIA_TYPES, key=f"compose-media-{n}")
alt = st.text_area(t("compose.alt"), help=t("compose.alt_help"), height=80, key=f"compose-alt-{n}")
urgent = st.checkbox(t("compose.urgent"), help=t("compose.urgent_help"), key=f"compose-urgent-{n}")
known = audience_list.known()
for_whom: list[str] = st.multiselect(
    t("compose.audiences"),
    list(known),
    format_func=lambda code: known[code].name(lang()),
    help=t("compose.audiences_help"),
    key=f"compose-audiences-{n}",
)
targets = [by_code[code] for code in chosen]
if targets:
    counted.markdown(f"**{t('compose.counters')}**")
    item_view.counters(
        counted,
        [(c.display_name, c.platform, caption) for c in targets],
        link=link,
        has_media=upload is not None,
    )
for channel in targets:
    if not in_windows(channel.posting_windows, when):
        st.warning(
            t(
                "compose.outside",
                at=local(when),
                channel=channel.display_name,
                windows=", ".join(channel.posting_windows),
            )
        )


def _create() -> list[int] | None:
    """Create one item per chosen channel in one transaction; the ids, or None after
    showing why not (nothing is kept then)."""
    if not targets:
        st.error(t("compose.need_channel"))
        return None
    if not caption.strip():
        st.error(t("compose.need_caption"))
        return None
    if alt.strip() and upload is None:
        st.error(t("compose.alt_no_media"))
        return None
    if when <= utcnow():  # create_item does not check the time (edit_item does)
        st.error(t("compose.time_past", at=local(when)))
        return None
    with tempfile.TemporaryDirectory() as folder, session() as s:
        media = item_view.saved_upload(upload, Path(folder))
        me = current_user(s)
        if me is None:
            return None
        try:
            made = []
            for channel in targets:
                item = create_item(
                    s,
                    channel_code=channel.code,
                    text=caption,
                    at=when,
                    actor=me.username,
                    media=media,
                    theme_code=theme or None,
                    link=link,
                    alt_text=alt,
                    urgent=urgent,
                    audiences=for_whom,
                )
                made.append(item.id or 0)
            s.commit()
        except PhuxanhError as exc:
            s.rollback()
            st.error(error(exc))
            return None
    return made


if st.button(t("compose.create"), type="primary", key=f"compose-create-{n}"):
    ids = _create()
    if ids is not None:
        st.session_state["flash"] = t("compose.created", ids=", ".join(f"#{i}" for i in ids))
        st.session_state["compose-n"] = n + 1
        st.rerun()
