"""Checks a draft passes before it enters the review queue; a failing draft is held with
its reasons (shown in the queue; `review.submit` refuses it until an edit fixes them).

- the catalog's own proper nouns and slogans are spelled exactly as the catalog spells
  them (a slogan written without its tone marks, or "Hai Phong" in Vietnamese text, is
  caught by comparing with the marks stripped);
- no placeholder text (TODO, XXX, lorem ipsum, {braces}, [brackets]) is left;
- every fact shown has a source;
- the caption is within every target platform's limits (`platforms.preview`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sqlmodel import Session, col, select

from phuxanh.catalog.languages import mark, supported
from phuxanh.core.text import fold
from phuxanh.models import Channel, ContentItem, Fact, Theme
from phuxanh.platforms.preview import preview

PLACEHOLDERS = re.compile(
    r"\b(TODO|TBD|FIXME|XXX+|lorem ipsum)\b|\{[^}]*\}|\[\s*\.\.\.\s*\]", re.IGNORECASE
)
# Names the whole catalog uses, spelled the one correct way (Vietnamese text only)
NAMES = ["Hải Phòng", "Việt Nam", "Hà Nội", "Đổi mới", "Quốc hội", "Hội đồng nhân dân"]


def plain(text: str) -> str:
    """Lower case without tone or vowel marks (đ → d): how a misspelling still matches."""
    return fold(text).casefold()


def misspelt(text: str, names: Iterable[str]) -> list[str]:
    """Names that appear in `text` with the right letters but not the catalog's spelling."""
    text = unicodedata.normalize("NFC", text)
    flat = plain(text)
    out = []
    for name in dict.fromkeys(unicodedata.normalize("NFC", n) for n in names):
        key = plain(name)
        if len(key) < 4:
            continue
        for m in re.finditer(rf"(?<!\w){re.escape(key)}(?!\w)", flat):
            written = text[m.start() : m.end()]
            if (
                len(written) == len(name)
                and written != name
                and written.casefold() != name.casefold()
            ):
                out.append(f"“{written}” should be written “{name}”")
                break
    return out


def check(
    *,
    caption_vi: str,
    captions: dict[str, str],
    names: Iterable[str],
    unsourced: list[str],
    has_media: bool,
) -> list[str]:
    """The reasons to hold a draft: empty when it may go to review.

    `caption_vi` is the Vietnamese text the names are checked in (the English variant
    spells "Hai Phong" without marks, correctly); `captions` maps platform → text.
    """
    vietnamese = caption_vi.split("\n\nEN: ", 1)[0]  # the English part spells names its way
    vietnamese = "\n".join(
        line
        for line in vietnamese.splitlines()  # titles quoted verbatim
        if not line.startswith(("Nguồn:", "Source:"))
    )
    vietnamese = re.sub(r"https?://\S+|#\w+", " ", vietnamese)  # links, hashtags: no marks
    reasons = [f"caption: {m}" for m in misspelt(vietnamese, [*NAMES, *names])]
    for platform, text in captions.items():
        found = PLACEHOLDERS.search(text)
        if found:
            reasons.append(f"{platform}: placeholder text left in: {found.group(0)!r}")
        reasons += preview(platform, text, has_media=has_media).problems
    reasons += [f"fact {code}: no source (every fact shown must cite one)" for code in unsourced]
    return list(dict.fromkeys(reasons))


def vietnamese_part(caption: str, lead: str) -> str:
    """The Vietnamese of a caption, where the catalog's names are checked ("Hai Phong" is
    right in English): all of it when Vietnamese leads (`lead`, the item's language), else
    its "VI: …" block (up to the next language's block or the hashtags), else nothing."""
    if lead == "vi":
        return caption
    others = tuple(f"{mark(code)}:" for code in supported() if code != "vi")
    blocks = caption.split("\n\n")
    for i, block in enumerate(blocks):
        if block.startswith(f"{mark('vi')}:"):
            kept = [block.partition(":")[2].strip()]
            for more in blocks[i + 1 :]:
                if more.startswith(others) or more.startswith(("#", "http")):
                    break  # the next language, or the hashtags and link after the text
                kept.append(more)
            return "\n\n".join(kept)
    return ""


def recheck(session: Session, item: ContentItem) -> list[str]:
    """The checks again after a person edited the item: the text is now theirs, so what
    the composer could not write (a missing translation) no longer holds it."""
    theme = session.get(Theme, item.theme_id) if item.theme_id else None
    channels = session.exec(select(Channel).where(col(Channel.id).in_(item.channel_ids))).all()
    texts = {
        c.platform: unicodedata.normalize("NFC", item.captions.get(c.code, item.caption))
        for c in channels
    }
    facts = session.exec(select(Fact).where(col(Fact.id).in_(item.fact_ids))).all()
    names = [*theme.slogans, theme.title_vi] if theme is not None else []
    return check(
        caption_vi=vietnamese_part(item.caption, item.language),
        captions=texts,
        names=names,
        unsourced=[f.code for f in facts if not f.is_sourced],
        has_media=bool(item.media_path),
    )
