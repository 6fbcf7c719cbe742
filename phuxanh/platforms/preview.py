"""A caption as each platform will show it: what is visible, what is cut, what is refused.

Reviewers approve the words people will read, so the queue shows, per channel, the text
after the platform's own rules: X counts weighted characters (URLs 23, emoji and CJK 2;
`twitter-text-parser` implements X's published rules; note that every code point above
U+10FF weighs 2, which includes most toned Vietnamese letters such as ả, ầ, ử in Latin
Extended Additional, so a Vietnamese post holds far fewer than 280 letters), Telegram
caps a media caption at 1,024 characters, Zalo articles have a 150-character title and a
300-character summary, YouTube titles stop at 100. Limits come from
`docs/platforms.md`; a limit the platform does not document is not invented
here (Facebook posts are shown in full).

A caption over a hard limit is a problem to fix before approval, never cut silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from twitter_text import parse_tweet  # type: ignore[import-untyped]

from phuxanh.core.errors import Message
from phuxanh.platforms.base import append_link

HASHTAG = re.compile(r"(?<![\w#])#(\w+)", re.UNICODE)
URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Limit:
    label: str
    max_chars: int | None  # hard limit on the main text (None: none documented)
    title_chars: int | None = None  # a separate title the platform takes from the first line
    summary_chars: int | None = None
    links_clickable: bool = True
    max_hashtags: int | None = None
    weighted: bool = False  # X's weighted count instead of characters


LIMITS: dict[str, Limit] = {
    "facebook": Limit("Facebook Page", None),
    "instagram": Limit("Instagram", 2200, links_clickable=False, max_hashtags=30),
    "youtube": Limit("YouTube", 5000, title_chars=100),
    "tiktok": Limit("TikTok", 2200, links_clickable=False),
    "x": Limit("X", 280, weighted=True),
    "zalo": Limit("Zalo OA", None, title_chars=150, summary_chars=300),
    "telegram": Limit("Telegram", 1024),
    "website": Limit("Website", None),
    "wordpress": Limit("WordPress site", None),
}


@dataclass(frozen=True)
class Preview:
    platform: str
    label: str
    title: str | None
    text: str
    length: int
    limit: int | None
    hashtags: list[str]
    link: str | None
    problems: list[str] = field(default_factory=list)  # in English (`messages`, coded)
    notes: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _length(text: str, limit: Limit) -> int:
    if limit.weighted:
        return int(parse_tweet(text).weightedLength)
    return len(text)


def preview(
    platform: str, caption: str, *, link: str | None = None, has_media: bool = True
) -> Preview:
    """The caption as `platform` shows it, with problems (hard limits) and notes."""
    limit = LIMITS.get(platform, Limit(platform, None))
    text = unicodedata.normalize("NFC", caption).strip()
    if platform in ("x", "telegram", "zalo", "youtube"):
        text = append_link(text, link)  # these carry the link in the text itself
    problems: list[Message] = []
    notes: list[str] = []
    title: str | None = None
    if limit.title_chars:
        first, _, rest = text.partition("\n")
        title = first.strip()
        if len(title) > limit.title_chars:
            problems.append(
                Message(
                    "caption.title_too_long",
                    {"label": limit.label, "n": len(title), "max": limit.title_chars},
                )
            )
        if limit.summary_chars and len(rest.strip()) > limit.summary_chars:
            problems.append(
                Message(
                    "caption.summary_too_long",
                    {"label": limit.label, "n": len(rest.strip()), "max": limit.summary_chars},
                )
            )
    max_chars = limit.max_chars
    if platform == "telegram" and not has_media:
        max_chars = 4096  # a text message, not a media caption
    length = _length(text, limit)
    if max_chars is not None and length > max_chars:
        unit = "weighted characters" if limit.weighted else "characters"
        problems.append(
            Message(
                "caption.too_long",
                {
                    "label": limit.label,
                    "n": length,
                    "max": max_chars,
                    "measure": unit,
                    "over": length - max_chars,
                },
            )
        )
    tags = HASHTAG.findall(text)
    if limit.max_hashtags is not None and len(tags) > limit.max_hashtags:
        problems.append(
            Message(
                "caption.too_many_hashtags",
                {"label": limit.label, "n": len(tags), "max": limit.max_hashtags},
            )
        )
    links = URL.findall(text) + ([link] if link and link not in text else [])
    if links and not limit.links_clickable:
        notes.append(f"{limit.label}: links in the caption are not clickable")
    return Preview(
        platform=platform,
        label=limit.label,
        title=title,
        text=text,
        length=length,
        limit=max_chars,
        hashtags=tags,
        link=links[0] if links else None,
        problems=[str(p) for p in problems],
        notes=notes,
        messages=problems,
    )
