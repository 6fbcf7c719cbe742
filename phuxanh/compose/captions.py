"""Captions written for each platform from the catalog's own words.

A caption is built from parts (a lead line, the body, the source credit when a fact is
shown, hashtags, a link) in every language the channel asks for, the first language first
and each other marked by its `mark` (content/languages.yaml: "EN: …"), with the hashtags
of the channel's languages and the shared ones that suit it (`for_channel`), then fitted
to the platform: the fullest variant that passes `platforms.preview` wins, dropping first extra
hashtags, then the lead. Nothing is cut mid-sentence; a caption that cannot fit is
returned as the shortest variant and the quality checks hold the draft with the reason.
Links carry UTM parameters naming the campaign, the theme and the channel.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from phuxanh.catalog.languages import mark, vietnamese
from phuxanh.platforms.preview import preview

# How many hashtags each platform's readers tolerate (not the hard limits, which are higher)
HASHTAGS = {
    "facebook": 4,
    "instagram": 5,
    "youtube": 3,
    "tiktok": 5,
    "x": 2,
    "zalo": 0,
    "telegram": 3,
    "wordpress": 0,
    "website": 0,
}
# Where a link in the text is not clickable it is left out (the profile carries it)
LINK_IN_TEXT = {"instagram": False, "tiktok": False}
ENGLISH_MARK = "EN"


@dataclass(frozen=True)
class Part:
    """What a post says in one language."""

    lang: str
    lead: str
    body: str
    credit: str | None = None
    short_credit: str | None = None  # "Nguồn: 05-HD/ĐU": the reference alone, when tight


def utm(url: str, *, campaign: str, theme: str, channel: str) -> str:
    """The link with utm_source (channel), utm_medium, utm_campaign and utm_content (theme);
    parameters the URL already has are kept."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if not k.startswith("utm_")]
    query += [
        ("utm_source", channel),
        ("utm_medium", "social"),
        ("utm_campaign", campaign),
        ("utm_content", theme),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def hashtags(tags: list[str], platform: str, keep: int | None = None) -> list[str]:
    """Deduplicated (case-insensitively), in the theme's order, at most the platform's
    sensible number (or `keep`)."""
    seen: dict[str, str] = {}
    for tag in tags:
        seen.setdefault(unicodedata.normalize("NFC", tag).casefold(), tag)
    limit = HASHTAGS.get(platform, 3) if keep is None else keep
    return list(seen.values())[:limit]


def _tag_key(tag: str) -> str:
    return unicodedata.normalize("NFC", tag).casefold()


def for_channel(
    shared: list[str],
    by_language: Mapping[str, list[str]],
    langs: list[str],
    platform: str,
    keep: int | None = None,
) -> list[str]:
    """A theme's hashtags for a channel that reads `langs` (its first language first): each
    language's own (the theme file's `hashtags_by_language`), in the channel's language
    order, then the shared ones (`hashtags`) that suit it: a shared tag written with
    Vietnamese marks only where Vietnamese is read, and never a tag of a language the
    channel does not read. Within the platform's number (`HASHTAGS`, or `keep`) the tags
    are chosen in turns, one of each language and one shared, so a bilingual channel gets
    both languages even where only two fit; they are shown grouped, in that order."""
    seen: set[str] = set()

    def fresh(tag: str, fits: bool) -> bool:
        if not fits or _tag_key(tag) in seen:
            return False
        seen.add(_tag_key(tag))
        return True

    groups = [
        [t for t in by_language.get(lang, []) if fresh(t, lang == "vi" or not vietnamese(t))]
        for lang in dict.fromkeys(langs)
    ]
    groups.append([t for t in shared if fresh(t, "vi" in langs or not vietnamese(t))])
    limit = HASHTAGS.get(platform, 3) if keep is None else keep
    picked: list[list[str]] = [[] for _ in groups]
    left, depth = limit, 0
    while left > 0 and any(depth < len(g) for g in groups):
        for group, took in zip(groups, picked, strict=True):
            if left > 0 and depth < len(group):
                took.append(group[depth])
                left -= 1
        depth += 1
    return [t for took in picked for t in took]


def _block(part: Part, *, with_lead: bool, credit: str | None, with_body: bool = True) -> str:
    lines = [part.lead] if with_lead and part.lead else []
    if with_body or not lines:
        lines.append(part.body)
    if credit:
        lines.append(credit)
    return "\n".join(lines)


def _compose(
    parts: list[Part],
    tags: list[str],
    link: str | None,
    *,
    with_lead: bool,
    short: bool = False,
    with_body: bool = True,
) -> str:
    blocks = []
    for i, part in enumerate(parts):
        if short:  # one short credit, after the last language
            credit = parts[0].short_credit or parts[0].credit if i == len(parts) - 1 else None
        else:
            credit = part.credit
        block = _block(part, with_lead=with_lead, credit=credit, with_body=with_body)
        blocks.append(block if i == 0 else f"{mark(part.lang)}: {block}")
    tail = " ".join(tags)
    text = "\n\n".join(blocks)
    if tail:
        text += "\n\n" + tail
    if link:
        text += "\n" + link
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class Caption:
    text: str
    problems: list[str]


def write(
    platform: str,
    parts: list[Part],
    tags: list[str],
    link: str | None,
    *,
    has_media: bool = True,
    keep_lead: bool = False,
) -> Caption:
    """The fullest caption that fits the platform, or the shortest with its problems.

    Shorter means, in turn: fewer hashtags, no lead line, then one short source credit
    (the document number) for all languages; a body is never cut, and only a countdown
    (whose lead line is the message) may leave its body out."""
    shown_link = link if link and LINK_IN_TEXT.get(platform, True) else None
    full = hashtags(tags, platform)
    ladder = [
        (True, full, False, True),
        (True, full[:1], False, True),
        (False, full[:1], False, True),
        (False, [], False, True),
        (False, full[:1], True, True),
        (False, [], True, True),
    ]
    if keep_lead or platform in ("zalo", "youtube"):  # the lead is the point / the title
        ladder = [
            (True, full, False, True),
            (True, full[:1], False, True),
            (True, [], False, True),
            (True, [], True, True),
        ]
        if keep_lead:  # a countdown's line says it all; its message may go
            ladder += [(True, full[:1], True, False), (True, [], True, False)]
    best: Caption | None = None
    for with_lead, keep, short, with_body in ladder:
        text = _compose(
            parts, keep, shown_link, with_lead=with_lead, short=short, with_body=with_body
        )
        found = preview(platform, text, link=None, has_media=has_media)
        best = Caption(text, found.problems)
        if found.ok:
            return best
    assert best is not None
    return best


def alt_text(lines: list[str]) -> str:
    """Alt text for a card: what it says, in reading order, one sentence per line."""
    said = [unicodedata.normalize("NFC", line).strip().rstrip(".") for line in lines if line]
    return ". ".join(s for s in said if s) + "."
