"""Official news feeds → link-post drafts in the review queue.

Each feed is fetched with a conditional GET (ETag / Last-Modified), capped in size and
time, and parsed by feedparser from the raw bytes (it honours the declared encoding).
Entries are de-duplicated by GUID and by canonical link, matched to themes by keywords
with accents ignored, and proposed as drafts that credit the outlet. A broken, huge,
slow or wrongly encoded feed is logged and skipped; the others go on.
"""

from __future__ import annotations

import html
import logging
import re
import time
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser
import requests
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from phuxanh import audit
from phuxanh.db import session_scope
from phuxanh.models import (
    Channel,
    ContentItem,
    FeedEntry,
    FeedState,
    ItemStatus,
    Theme,
    Unit,
    User,
    utcnow,
)
from phuxanh.yamlio import load_located, validate_doc

log = logging.getLogger(__name__)
MAX_BYTES = 5 * 1024 * 1024
TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|zarsrc|zaloapp)$", re.I)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedSpec(_Strict):
    code: str
    outlet: str
    url: str
    enabled: bool = True


class FeedsFile(_Strict):
    unit: str
    author: str
    channels: list[str] = []
    feeds: list[FeedSpec]
    keywords: dict[str, list[str]] = Field(default_factory=dict)


def load_feeds(path: Path) -> FeedsFile:
    return validate_doc(load_located(path), FeedsFile)


def fold(text: str) -> str:
    """Lower case without Vietnamese accents (đ → d), for keyword matching."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()


def canonical_link(url: str) -> str:
    """Scheme and host in lower case; no fragment, tracking parameters or trailing slash."""
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not TRACKING.match(k)])
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def match_theme(text: str, keywords: dict[str, list[str]]) -> tuple[str, list[str]] | None:
    """The theme with most keyword hits (whole words, accents ignored), and the hits."""
    folded = fold(text)
    best: tuple[int, str, list[str]] | None = None
    for code in sorted(keywords):
        hits = [
            k for k in keywords[code] if re.search(rf"(?<!\w){re.escape(fold(k))}(?!\w)", folded)
        ]
        if hits and (best is None or len(hits) > best[0]):
            best = (len(hits), code, hits)
    return (best[1], best[2]) if best else None


def _plain(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html.unescape(text or ""))
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text).strip())


def fetch(
    spec: FeedSpec, state: FeedState, http: requests.Session, timeout_s: float
) -> bytes | None:
    """The feed's bytes, or None when unchanged (304). Raises ValueError with a reason."""
    headers = {"User-Agent": "phuxanh feed reader (official channels)"}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        with http.get(spec.url, headers=headers, timeout=timeout_s, stream=True) as response:
            if response.status_code == 304:
                return None
            if response.status_code >= 400:
                raise ValueError(f"HTTP {response.status_code}")
            body = b""
            deadline = time.monotonic() + 2 * timeout_s  # a slow drip is cut off too
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > MAX_BYTES:
                    raise ValueError(f"larger than {MAX_BYTES // 2**20} MB")
                if time.monotonic() > deadline:
                    raise ValueError(f"still downloading after {2 * timeout_s:.0f} s")
            state.etag = response.headers.get("ETag")
            state.last_modified = response.headers.get("Last-Modified")
            return body
    except requests.RequestException as exc:
        raise ValueError(f"{exc.__class__.__name__}: {exc}") from exc


def _draft(
    session: Session,
    cfg: FeedsFile,
    spec: FeedSpec,
    entry: Any,
    link: str,
    theme: Theme,
    author: User,
    unit: Unit,
) -> ContentItem:
    title, summary = _plain(entry.get("title", "")), _plain(entry.get("summary", ""))
    caption = "\n\n".join(p for p in (title, summary, f"Nguồn: {spec.outlet}", link) if p)
    channels = session.exec(select(Channel).where(col(Channel.code).in_(cfg.channels))).all()
    item = ContentItem(
        theme_id=theme.id,
        unit_id=unit.id or 0,
        status=ItemStatus.in_review,
        caption=caption,
        link=link,
        author_id=author.id or 0,
        channel_ids=[c.id or 0 for c in channels],
    )
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor="feeds",
        action="item.from_feed",
        entity="item",
        entity_id=item.id,
        detail={"feed": spec.code, "link": link},
    )
    return item


def poll_feed(
    session: Session, cfg: FeedsFile, spec: FeedSpec, http: requests.Session, timeout_s: float
) -> dict[str, Any]:
    state = session.exec(select(FeedState).where(FeedState.code == spec.code)).first() or FeedState(
        code=spec.code, url=spec.url
    )
    state.polled_at = utcnow()
    try:
        body = fetch(spec, state, http, timeout_s)
        if body is None:
            state.last_error = None
            session.add(state)
            return {"status": "unchanged", "new": 0}
        parsed = feedparser.parse(body)
        problem = parsed.get("bozo_exception") if parsed.bozo else None
        if problem is not None and not isinstance(problem, feedparser.NonXMLContentType):
            # Malformed XML or bytes that do not match the declared encoding: the loose
            # parser would still guess, and a wrong guess would put mojibake in a draft.
            raise ValueError(f"not a well-formed feed ({problem.__class__.__name__}: {problem})")
    except ValueError as exc:
        state.last_error = str(exc)
        session.add(state)
        log.warning("feed %s skipped: %s", spec.code, exc)
        return {"status": "skipped", "reason": str(exc), "new": 0}
    state.last_error = None
    session.add(state)
    themes = {t.code: t for t in session.exec(select(Theme))}
    author = session.exec(select(User).where(User.username == cfg.author)).first()
    unit = session.exec(select(Unit).where(Unit.code == cfg.unit)).first()
    if author is None or unit is None:
        return {
            "status": "skipped",
            "new": 0,
            "reason": f"feeds.yaml: author {cfg.author!r} or unit {cfg.unit!r} does not exist",
        }
    new = irrelevant = 0
    for entry in parsed.entries:
        raw_link = entry.get("link") or ""
        if not raw_link:
            continue
        link = canonical_link(raw_link)
        guid = str(entry.get("id") or link)
        seen = session.exec(
            select(FeedEntry).where((col(FeedEntry.guid) == guid) | (col(FeedEntry.link) == link))
        ).first()
        if seen is not None:
            continue
        title = _plain(entry.get("title", ""))
        found = match_theme(f"{title} {_plain(entry.get('summary', ''))}", cfg.keywords)
        theme = themes.get(found[0]) if found else None
        row = FeedEntry(
            feed_code=spec.code,
            guid=guid,
            link=link,
            title=title or link,
            theme_id=theme.id if theme else None,
        )
        if theme is not None:
            row.content_item_id = _draft(session, cfg, spec, entry, link, theme, author, unit).id
            new += 1
        else:
            irrelevant += 1
        session.add(row)
        session.flush()
    return {"status": "ok", "new": new, "not_matched": irrelevant}


def poll_all(engine: Engine, feeds_file: Path, *, timeout_s: float = 15.0) -> dict[str, Any]:
    """Poll every enabled feed; one feed's failure never stops the others."""
    cfg = load_feeds(feeds_file)
    http = requests.Session()
    out: dict[str, Any] = {}
    for spec in cfg.feeds:
        if not spec.enabled:
            out[spec.code] = {"status": "disabled", "new": 0}
            continue
        with session_scope(engine) as session:
            out[spec.code] = poll_feed(session, cfg, spec, http, timeout_s)
    return out
