"""A caption as each platform will show it: what is visible, what is cut, what is refused.

Reviewers approve the words people will read, so the queue shows, per channel, the text
after the platform's own rules: X counts weighted characters (URLs 23, emoji and CJK 2;
`twitter-text-parser` implements X's published rules; note that every code point above
U+10FF weighs 2, which includes most toned Vietnamese letters such as ả, ầ, ử in Latin
Extended Additional, so a Vietnamese post holds far fewer than 280 letters), Telegram
caps a media caption at 1,024 characters (a text message at 4,096), Zalo articles have a
150-character title and a 300-character summary, YouTube titles stop at 100. Limits come
from `docs/platforms.md`; a limit the platform does not document is not invented here
(Facebook's text limit is unverified; its adapter checks the figure others cite).

A caption over a hard limit is a problem to fix before approval, never cut silently.

What a reader sees first is not the whole caption: Facebook's feed shows the start of a
long post and hides the rest behind "Xem thêm" / "See more". Meta publishes no figure for
where; `FACEBOOK_FOLD_CHARS` and `FACEBOOK_FOLD_LINES` are phuxanh's conservative
approximation (`facebook_fold`, docs/platforms.md §1 "The See more fold"), and a source
line below it is a note to the reviewer, never a refusal.

The link is the one the publisher hands the platform (`ContentItem.link`, which the
composer tags with UTM parameters once, `compose.captions.utm`), placed where that
platform's adapter places it (`LINK_IN_TEXT`); the preview never builds a link itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from twitter_text import parse_tweet  # type: ignore[import-untyped]

from phuxanh.core.errors import Message
from phuxanh.platforms.base import append_link

HASHTAG = re.compile(r"(?<![\w#])#(\w+)", re.UNICODE)
URL = re.compile(r"https?://\S+")
# Platforms whose adapter puts the link into the text it sends (`Post.with_link`, or the
# body's last paragraph for Zalo and WordPress). Facebook sends it as a separate `link`
# field on a text post, and photos and Reels take no link field at all.
LINK_IN_TEXT = frozenset(
    {"x", "telegram", "tiktok", "youtube", "zalo", "wordpress", "website", "manual"}
)
# A caption's source line (`compose.captions.Part.credit`, "Nguồn: 05-HD/ĐU"), also as the
# first line of a language's block ("EN: Source: …")
SOURCE = re.compile(r"(?:[A-Z]{2}: )?(?:Nguồn|Source):")
# Facebook's "Xem thêm" / "See more" fold: phuxanh's approximation, NOT a published figure.
# Meta documents no cut-off. Third-party tools give about 477 characters on a computer and
# about 125 on a phone, where the fold comes sooner (docs/platforms.md §1, [F14]); phuxanh
# takes the phone's, the earlier, and also folds after the third line, because short lines
# fill a phone's few visible lines before 125 characters do (three lines of about 40
# characters each: phuxanh's own reading of that figure).
FACEBOOK_FOLD_CHARS = 125
FACEBOOK_FOLD_LINES = 3


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
    "manual": Limit("Manual channel (posted by a person)", None),
}


@dataclass(frozen=True)
class Note:
    """Something the reviewer should know that is not a refusal. `code` names its words in
    each language (the desk's `preview.note.<code>`); `str()` is the English."""

    code: str  # links_not_clickable | link_not_posted | source_folded
    params: Mapping[str, Any]
    english: str

    def __str__(self) -> str:
        return self.english


@dataclass(frozen=True)
class Fold:
    """Where Facebook's feed stops showing a caption: `text[:at]` is `visible`, the rest
    (`hidden`) comes after "Xem thêm" / "See more"."""

    at: int
    visible: str
    hidden: str


@dataclass(frozen=True)
class Preview:
    platform: str
    label: str
    title: str | None
    text: str
    length: int
    limit: int | None
    hashtags: list[str]
    link: str | None  # the link the platform receives, exactly; None when none is posted
    problems: list[str] = field(default_factory=list)  # in English (`messages`, coded)
    notes: list[Note] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    fold: Fold | None = None  # Facebook: where "Xem thêm" cuts the caption (None: all shows)
    weighted: bool = False  # `length` is X's weighted count

    @property
    def ok(self) -> bool:
        return not self.problems


def facebook_fold(text: str) -> Fold | None:
    """Where Facebook's feed folds `text` behind "Xem thêm" / "See more", by phuxanh's
    approximation (Meta publishes no figure; see FACEBOOK_FOLD_CHARS): the visible part
    ends at the earlier of FACEBOOK_FOLD_CHARS characters and the end of the
    FACEBOOK_FOLD_LINES-th line (blank lines count: a phone shows them), moved back to the
    last space so no word is split. None when the whole text shows."""
    end = FACEBOOK_FOLD_CHARS
    breaks = [i for i, ch in enumerate(text) if ch == "\n"]
    if len(breaks) >= FACEBOOK_FOLD_LINES:
        end = min(end, breaks[FACEBOOK_FOLD_LINES - 1])
    if not text[end:].strip():
        return None
    if end == FACEBOOK_FOLD_CHARS and not text[end].isspace():
        space = max(text.rfind(" ", 0, end), text.rfind("\n", 0, end))
        end = space if space > 0 else end
    visible = text[:end].rstrip()
    return Fold(at=len(visible), visible=visible, hidden=text[len(visible) :].strip())


def _source_folded(text: str, fold: Fold) -> str | None:
    """The first source line that is not wholly above the fold, or None."""
    start = 0
    for line in text.split("\n"):
        bare = line.strip()
        if SOURCE.match(bare) and start + len(line.rstrip()) > fold.at:
            return bare
        start += len(line) + 1
    return None


def _length(text: str, limit: Limit) -> int:
    if limit.weighted:
        return int(parse_tweet(text).weightedLength)
    return len(text)


def preview(
    platform: str, caption: str, *, link: str | None = None, has_media: bool = True
) -> Preview:
    """The caption as `platform` shows it, with problems (hard limits) and notes.

    `link` is the item's link as the publisher sends it (`ContentItem.link`, already
    tagged with UTM by the composer); `has_media` whether a photo or clip goes with it
    (Telegram's caption limit, Facebook's link field)."""
    limit = LIMITS.get(platform, Limit(platform, None))
    caption = unicodedata.normalize("NFC", caption).strip()
    text = append_link(caption, link) if platform in LINK_IN_TEXT else caption
    problems: list[Message] = []
    notes: list[Note] = []
    title: str | None = None
    if limit.title_chars:  # the adapters take the title and summary from the caption itself
        first, _, rest = caption.partition("\n")
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
    posted = link
    if platform == "facebook" and link and has_media and link not in text:
        posted = None  # a photo or Reel takes a caption, no link field: the link is lost
        notes.append(
            Note(
                "link_not_posted",
                {"label": limit.label, "link": link},
                f"{limit.label}: a photo or Reel post takes no link field, so {link} is "
                "not posted; put it in the caption",
            )
        )
    if (posted or URL.search(text)) and not limit.links_clickable:
        notes.append(
            Note(
                "links_not_clickable",
                {"label": limit.label},
                f"{limit.label}: links in the caption are not clickable",
            )
        )
    fold = facebook_fold(text) if platform == "facebook" else None
    folded = _source_folded(text, fold) if fold else None
    if fold and folded:
        notes.append(
            Note(
                "source_folded",
                {"label": limit.label, "line": folded},
                f'{limit.label}: the source line ({folded}) is below the "See more" fold; '
                "readers see it only if they open the rest of the post",
            )
        )
    return Preview(
        platform=platform,
        label=limit.label,
        title=title,
        text=text,
        length=length,
        limit=max_chars,
        hashtags=tags,
        link=posted,
        problems=[str(p) for p in problems],
        notes=notes,
        messages=problems,
        fold=fold,
        weighted=limit.weighted,
    )
