"""Items from the command line (automation, tests): create one for a channel and put it in
review; approve it as someone else. The same domain rules as the dashboard apply."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

from sqlmodel import Session, select

from phuxanh import quality, review
from phuxanh.core.errors import NotFound, ValidationFailed
from phuxanh.core.users import get_user
from phuxanh.media.checks import media_problem
from phuxanh.media.stored import bring_in, to_stored
from phuxanh.models import Channel, ContentItem, Theme, User


def create_item(
    session: Session,
    *,
    channel_code: str,
    text: str,
    at: dt.datetime,
    actor: str,
    media: Path | None = None,
    theme_code: str | None = None,
    link: str | None = None,
) -> ContentItem:
    """A new item for one channel, submitted for review by its author."""
    author = get_user(session, username=actor)
    channel = session.exec(select(Channel).where(Channel.code == channel_code)).first()
    if channel is None:
        raise NotFound(f"--channel: no channel {channel_code!r}")
    problems = []
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        problems.append("--text: empty")
    if at.tzinfo is None:
        problems.append("--at: give the time zone (e.g. 2026-03-15T08:00+07:00)")
    if media is not None and not media.is_file():
        problems.append(f"--media: {media} does not exist")
    elif media is not None and (bad := media_problem(media)):
        problems.append(f"--media: {bad}")
    theme = None
    if theme_code:
        theme = session.exec(select(Theme).where(Theme.code == theme_code)).first()
        if theme is None:
            problems.append(f"--theme: no theme {theme_code!r}")
    if problems:
        raise ValidationFailed(problems)
    checks = quality.check(
        caption_vi=text,
        captions={channel.platform: text},
        names=[*theme.slogans, theme.title_vi] if theme else [],
        unsourced=[],
        has_media=media is not None,
    )
    if checks:
        raise ValidationFailed([f"--text: {c}" for c in checks])
    copied = bring_in(media) if media else None
    try:
        item = ContentItem(
            unit_id=channel.unit_id,
            theme_id=theme.id if theme else None,
            caption=text,
            channel_ids=[channel.id or 0],
            link=link,
            media_path=to_stored(copied) if copied else None,
            alt_text=None,
            scheduled_at=at,
            author_id=author.id or 0,
        )
        session.add(item)
        session.flush()
        review.submit(session, item=item, actor=author)
    except BaseException:  # refused (e.g. not an editor): no upload is left without its item
        if copied is not None:
            copied.unlink(missing_ok=True)
        raise
    return item


def approve_item(session: Session, *, item_id: int, actor: str) -> ContentItem:
    user: User = get_user(session, username=actor)
    item = session.get(ContentItem, item_id)
    if item is None:
        raise NotFound(f"ID: no item {item_id}")
    return review.approve(session, item=item, actor=user)
