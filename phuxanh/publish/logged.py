"""A product made outside phuxanh enters the record (`item log`): an article on a portal, a
press release, a radio bulletin, an event, already out there with its link.

It becomes an item of that kind (`ContentItem.kind`), published, and one publication on the
named channel, published at the given time with the given URL, so the reports count it like
any other product (by kind, theme and channel). Nothing is sent anywhere; the act is audited
(`item.log`). Refused, one line naming the flag: a URL that is not http(s), a time in the
future, an unknown channel or theme, the same URL on the same channel a second time, a
person who is not an active user (`--as`) or not of the channel's unit."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from sqlmodel import Session, col, select

from phuxanh.core import audit
from phuxanh.core.errors import NotFound, PermissionDenied, ValidationFailed
from phuxanh.core.users import oversees
from phuxanh.models import Channel, ContentItem, ItemStatus, Publication, PubState, Theme, User
from phuxanh.publish.resolve import live_url_problem
from phuxanh.review import content_hash

# what a person says a logged product is (a card or a clip is told by its media)
KINDS = ("article", "press", "radio", "event")
TITLE_MAX = 300


def canonical(url: str) -> str:
    """The address as a duplicate check sees it: scheme and host in lower case, no default
    port, no trailing slash on the path, no fragment ("https://BAOHAIPHONG.vn/a1/" and
    "https://baohaiphong.vn/a1" are one post)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if port is None or port == default else f"{host}:{port}"
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), netloc, path, parts.query, ""))


def _key(channel_id: int, url: str) -> str:
    """The publication's idempotency key: one URL on one channel is one publication."""
    return "log-" + hashlib.sha256(f"{channel_id}\n{canonical(url)}".encode()).hexdigest()[:56]


def _problems(
    session: Session, *, url: str, at: dt.datetime, kind: str, title: str | None, now: dt.datetime
) -> list[str]:
    problems = []
    problem = live_url_problem(url)
    if problem:
        problems.append(f"--url: {url[:80]!r} is not a post's address (an http(s) URL)")
    if at.tzinfo is None:
        problems.append("--at: give the time with its zone, e.g. 2026-03-15T08:00+07:00")
    elif at > now:
        problems.append(f"--at: {at.isoformat()} is in the future; log what is already out")
    if kind not in KINDS:
        problems.append(f"--kind: {kind!r} is not one of {', '.join(KINDS)}")
    if title is not None and (
        not title.strip() or len(title) > TITLE_MAX or not title.strip().isprintable()
    ):
        problems.append(f"--title: 1-{TITLE_MAX} printable characters on one line")
    return problems


def log_product(
    session: Session,
    *,
    channel_code: str,
    url: str,
    at: dt.datetime,
    kind: str,
    theme_code: str,
    actor: str,
    title: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[ContentItem, Publication]:
    """Record a product published elsewhere (see the module's docstring). Not committed."""
    now = now or dt.datetime.now(dt.UTC)
    url = url.strip()
    problems = _problems(session, url=url, at=at, kind=kind, title=title, now=now)
    channel = session.exec(select(Channel).where(Channel.code == channel_code)).first()
    if channel is None:
        problems.append(f"--channel: no channel {channel_code!r}")
    theme = session.exec(select(Theme).where(Theme.code == theme_code)).first()
    if theme is None:
        problems.append(f"--theme: no theme {theme_code!r}")
    if channel is not None and not problems:
        earlier = session.exec(
            select(Publication).where(
                col(Publication.channel_id) == channel.id,
                (col(Publication.remote_url) == url)
                | (col(Publication.idempotency_key) == _key(channel.id or 0, url)),
            )
        ).first()
        if earlier is not None:
            problems.append(
                f"--url: already recorded on channel {channel.code} (publication "
                f"{earlier.id}, item {earlier.content_item_id})"
            )
    if problems:
        raise ValidationFailed(problems)
    assert channel is not None and channel.id is not None and theme is not None
    user = session.exec(select(User).where(User.username == actor)).first()
    if user is None or not user.active:
        raise NotFound(f"--as: {actor!r} is not an active phuxanh user")
    if not oversees(session, actor=user, unit_id=channel.unit_id):
        raise PermissionDenied(
            f"--as: {actor} does not belong to the unit of channel {channel.code} (or one above it)"
        )
    text = unicodedata.normalize("NFC", (title or "").strip()) or url
    item = ContentItem(
        unit_id=channel.unit_id,
        theme_id=theme.id,
        status=ItemStatus.published,
        caption=text,
        channel_ids=[channel.id],
        link=url,
        kind=kind,
        scheduled_at=at,
        author_id=user.id or 0,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    pub = Publication(
        content_item_id=item.id or 0,
        channel_id=channel.id,
        scheduled_at=at,
        state=PubState.published,
        idempotency_key=_key(channel.id, url),
        approved_hash=content_hash(session, item),
        remote_id=None,  # no platform id: the metrics collector leaves it alone
        remote_url=url,
        published_at=at,
        last_error=f"logged by {actor}: published outside phuxanh",
        updated_at=now,
    )
    session.add(pub)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="item.log",
        entity="item",
        entity_id=item.id,
        detail={
            "publication": pub.id,
            "channel": channel.code,
            "url": url,
            "kind": kind,
            "theme": theme.code,
            "at": at.isoformat(),
        },
    )
    return item, pub
