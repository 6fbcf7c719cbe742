"""The press-and-missions kit (`phuxanh export kit`): a period's approved content in one
language, as one ZIP a press office, an embassy or a representative mission can use
as it is.

What goes in: items approved, scheduled or published whose time (the first time one of
its posts went live, else its scheduled time) falls in the period, drawn in the kit's
language: their card or clip was made for a channel whose first language it is (the
item's own language). For each, the card or clip (byte for byte), the caption in that
language alone (its block of a bilingual caption, the per-channel caption of such a
channel, without other languages, hashtags or the tracking link), the alt text and the
sources: each fact shown, in the language, with its source, or the directive the theme
comes from. `manifest.json` lists every entry for programs; `index.csv` (headers in the
language) and `README.txt` (the language, then Vietnamese for the office) for people.

What never goes in: drafts, items in review or rejected, and anything in another
language. vi and en come from the catalog; any other language reaches an item only
through reviewed translations (`catalog.translations`), so its kit holds only those. An
entry whose text in the language still reads as Vietnamese (a person's edit) is left
out and named in the summary. Nothing to put in is a refusal, never an empty ZIP; the
ZIP is written whole or not at all (`core.files.write_whole`), and the export is
audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from phuxanh.catalog import audiences as audience_list
from phuxanh.catalog.languages import Language, mark, supported, vietnamese
from phuxanh.catalog.translations import Texts
from phuxanh.compose.captions import for_channel
from phuxanh.compose.card_values import foreign_credit
from phuxanh.core import audit
from phuxanh.core.errors import NotFound, ValidationFailed
from phuxanh.core.files import write_whole
from phuxanh.core.settings import get_settings
from phuxanh.media import stored
from phuxanh.media.cards import source_line
from phuxanh.models import (
    Channel,
    ContentItem,
    Directive,
    Fact,
    ItemStatus,
    Publication,
    PubState,
    Theme,
    User,
)
from phuxanh.outlets.document import data_dir
from phuxanh.reports.model import Period

IN_KIT = (ItemStatus.approved, ItemStatus.scheduled, ItemStatus.published)
MANIFEST, INDEX, README = "manifest.json", "index.csv", "README.txt"
HASHTAGS_MAX = 30
# The index's column names, per language; a language added to content/languages.yaml
# without its own line here gets the English ones (never Vietnamese in its kit).
COLUMNS = ("date", "channel", "theme", "files", "caption", "alt", "sources", "hashtags")
LABELS: dict[str, tuple[str, ...]] = {
    "vi": ("Ngày", "Kênh", "Chủ đề", "Tệp", "Nội dung", "Mô tả ảnh", "Nguồn", "Hashtag"),
    "en": ("Date", "Channel", "Theme", "Files", "Caption", "Alt text", "Sources", "Hashtags"),
    "zh": ("日期", "频道", "主题", "文件", "文案", "替代文本", "来源", "话题标签"),
    "ko": ("날짜", "채널", "주제", "파일", "캡션", "대체 텍스트", "출처", "해시태그"),
    "ja": (
        "日付",
        "チャンネル",
        "テーマ",
        "ファイル",
        "キャプション",
        "代替テキスト",
        "出典",
        "ハッシュタグ",
    ),
}
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


@dataclass
class Entry:
    """One item as the kit gives it."""

    item_id: int
    at: dt.datetime  # local: when it went live, else when it is scheduled
    channel: str | None
    theme_code: str | None
    theme_name: str
    caption: str
    alt_text: str
    sources: list[dict[str, Any]]
    hashtags: list[str]
    media: Path | None
    audiences: list[str] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return f"{self.at:%Y-%m-%d}-item{self.item_id}"

    def files(self) -> dict[str, str]:
        """role → the file's name in the ZIP."""
        names = {"caption": f"{self.stem}.txt"}
        if self.media is not None:
            names["media"] = f"{self.stem}{self.media.suffix.lower()}"
        if self.alt_text:
            names["alt"] = f"{self.stem}.alt.txt"
        return names


@dataclass
class Kit:
    lang: Language
    period: Period
    audience: str | None
    entries: list[Entry]
    left_out: list[dict[str, Any]]


def caption_in(caption: str, lang: str) -> str:
    """The caption's text in `lang` (the item's own language, so its first block): up to
    the block of another language ("EN: …"), the hashtags or the link; hashtags written
    into the text are taken out (the kit lists the right ones apart)."""
    others = tuple(f"{mark(code)}:" for code in supported() if code != lang)
    text = unicodedata.normalize("NFC", caption).replace("\r\n", "\n")
    own = f"{mark(lang)}:"
    kept: list[str] = []
    for block in text.split("\n\n"):
        stripped = block.strip()
        if not kept and stripped.startswith(own):
            stripped = stripped[len(own) :].strip()
        if stripped.startswith(others) or stripped.startswith(("#", "http://", "https://")):
            break
        lines = [
            re.sub(r"[ \t]{2,}", " ", _HASHTAG.sub("", line)).strip()
            for line in stripped.splitlines()
        ]
        if any(lines):
            kept.append("\n".join(line for line in lines if line))
    return "\n\n".join(kept).strip()


def _when(session: Session, items: list[ContentItem]) -> dict[int, dt.datetime]:
    """Each item's time: the first time a post of it went live, else its scheduled time."""
    ids = [i.id or 0 for i in items]
    live: dict[int, dt.datetime] = {}
    if ids:
        for pub in session.exec(
            select(Publication).where(
                col(Publication.content_item_id).in_(ids),
                Publication.state == PubState.published,
                col(Publication.published_at).is_not(None),
            )
        ):
            assert pub.published_at is not None
            seen = live.get(pub.content_item_id)
            if seen is None or pub.published_at < seen:
                live[pub.content_item_id] = pub.published_at
    out = {}
    for item in items:
        at = live.get(item.id or 0) or item.scheduled_at
        if at is not None:
            out[item.id or 0] = at
    return out


def _sources(
    session: Session, item: ContentItem, theme: Theme | None, lang: str, texts: Texts
) -> tuple[list[dict[str, Any]], list[str]]:
    """The facts the item shows, in `lang`, each with its source; or, with none, the
    directive its theme comes from. Also the references they cite (document numbers and
    addresses: identifiers, written as issued)."""
    out: list[dict[str, Any]] = []
    refs: list[str] = []
    facts = session.exec(select(Fact).where(col(Fact.id).in_(item.fact_ids))).all()
    for fact in sorted(facts, key=lambda f: item.fact_ids.index(f.id or 0)):
        refs += [r for r in (fact.source_number, fact.source_url) if r]
        out.append(
            {
                "fact": fact.code,
                "text": texts.fact(fact, lang) or "",
                "source": _credit(fact.source_title, fact.source_number, fact.source_url, lang),
                "reference": fact.source_number,
                "url": fact.source_url,
            }
        )
    if out or theme is None:
        return out, refs
    for ref in theme.directive_refs:
        code = ref.split(":", 1)[0]
        directive = session.exec(select(Directive).where(Directive.code == code)).first()
        if directive is None:
            continue
        refs += [directive.number] if directive.number else []
        out.append(
            {
                "directive": directive.code,
                "source": _credit(directive.title, directive.number, None, lang),
                "reference": directive.number,
            }
        )
        break
    return out, refs


def _credit(title: str, number: str | None, url: str | None, lang: str) -> str:
    if lang == "vi":
        return source_line(title=title, number=number, url=url, lang="vi")
    return foreign_credit(title, number, url, lang) or ""


def _vietnamese_in(texts: Iterable[str], refs: list[str]) -> bool:
    """Whether any text reads as Vietnamese, leaving aside what is rightly written as
    issued in every language: document numbers and addresses, and names in quotation
    marks (the catalog's English quotes a slogan as it is)."""
    for text in texts:
        rest = _QUOTED.sub(" ", text)
        for ref in sorted(refs, key=len, reverse=True):
            rest = rest.replace(ref, " ")
        if vietnamese(rest):
            return True
    return False


def collect(
    session: Session, *, period: Period, lang: Language, audience: str | None = None
) -> Kit:
    """The kit's entries, in time order, and what was left out and why."""
    tz = get_settings().tz
    items = list(
        session.exec(
            select(ContentItem)
            .where(col(ContentItem.status).in_(IN_KIT), ContentItem.language == lang.code)
            .order_by(col(ContentItem.id))
        )
    )
    times = _when(session, items)
    items = [
        i
        for i in items
        if (i.id or 0) in times
        and period.start <= times[i.id or 0].astimezone(tz).date() <= period.end
    ]
    items.sort(key=lambda i: (times[i.id or 0], i.id or 0))
    channel_ids = {c for i in items for c in i.channel_ids}
    channels = {
        c.id: c for c in session.exec(select(Channel).where(col(Channel.id).in_(channel_ids)))
    }
    themes = {t.id: t for t in session.exec(select(Theme))}
    texts = Texts(session, [lang.code])
    entries: list[Entry] = []
    left_out: list[dict[str, Any]] = []
    for item in items:
        theme = themes.get(item.theme_id) if item.theme_id else None
        mine = [channels[c] for c in item.channel_ids if c in channels]
        for_whom = audience_list.of_item(
            item.audiences, [c.audiences for c in mine], theme.audiences if theme else None
        )
        if audience is not None and audience not in for_whom:
            continue
        leading = [c for c in mine if (c.languages or ["vi"])[0] == lang.code]
        channel = next(iter(leading or mine), None)
        caption = caption_in(
            item.captions.get(channel.code, item.caption) if leading and channel else item.caption,
            lang.code,
        )
        alt = unicodedata.normalize("NFC", item.alt_text or "").strip()
        sources, refs = _sources(session, item, theme, lang.code, texts)
        name = (texts.title(theme, lang.code) or "") if theme is not None else ""
        media = stored.resolve(item.media_path)
        unreviewed = [str(s["fact"]) for s in sources if "fact" in s and not s["text"]]
        why = None
        if not caption:
            why = f"no caption in {lang.code}"
        elif unreviewed:  # vi and en are the catalog's; any other only while reviewed
            why = f"fact {unreviewed[0]}: no reviewed {lang.code} translation (edited since?)"
        elif media is not None and not media.is_file():
            why = f"media file {media.name} is missing"
        elif lang.code != "vi" and _vietnamese_in(
            [caption, alt, name, *(str(s.get("text", "")) for s in sources)], refs
        ):
            why = f"its text holds Vietnamese, not only {lang.code} (edited after composing?)"
        if why is not None:
            left_out.append({"item": item.id, "why": why})
            continue
        tags = (
            for_channel(theme.hashtags, theme.lang_hashtags or {}, [lang.code], "", HASHTAGS_MAX)
            if theme is not None
            else []
        )
        entries.append(
            Entry(
                item_id=item.id or 0,
                at=times[item.id or 0].astimezone(tz),
                channel=channel.code if channel is not None else None,
                theme_code=theme.code if theme is not None else None,
                theme_name=name,
                caption=caption,
                alt_text=alt,
                sources=sources,
                hashtags=tags,
                media=media,
                audiences=for_whom,
            )
        )
    return Kit(lang, period, audience, entries, left_out)


def _labels(lang: str) -> dict[str, str]:
    return dict(zip(COLUMNS, LABELS.get(lang, LABELS["en"]), strict=True))


def _source_text(source: dict[str, Any]) -> str:
    text = str(source.get("text") or "").strip()
    return f"{text} ({source['source']})" if text else str(source["source"])


def _manifest(kit: Kit, made_at: dt.datetime) -> dict[str, Any]:
    return {
        "kit": {
            "period": kit.period.code,
            "from": kit.period.start.isoformat(),
            "to": kit.period.end.isoformat(),
            "lang": kit.lang.code,
            "audience": kit.audience,
            "made_at": made_at.isoformat(timespec="seconds"),
            "entries": len(kit.entries),
        },
        "entries": [
            {
                "item": e.item_id,
                "date": e.at.date().isoformat(),
                "time": e.at.isoformat(timespec="minutes"),
                "channel": e.channel,
                "theme": {"code": e.theme_code, "name": e.theme_name},
                "files": e.files(),
                "caption": e.caption,
                "alt_text": e.alt_text,
                "sources": e.sources,
                "hashtags": e.hashtags,
                "audiences": e.audiences,
            }
            for e in kit.entries
        ],
    }


def _index(kit: Kit) -> str:
    labels = _labels(kit.lang.code)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([labels[c] for c in COLUMNS])
    for e in kit.entries:
        writer.writerow(
            [
                e.at.date().isoformat(),
                e.channel or "",
                e.theme_name or e.theme_code or "",
                " ".join(e.files().values()),
                e.caption,
                e.alt_text,
                "; ".join(_source_text(s) for s in e.sources),
                " ".join(e.hashtags),
            ]
        )
    return buffer.getvalue()


def _readme(kit: Kit) -> str:
    """The list in the kit's language (its column names, the entries' own words), then a
    paragraph in Vietnamese for the office that sends it."""
    labels = _labels(kit.lang.code)
    period = {"vi": kit.period.label_vi, "en": kit.period.label_en}.get(
        kit.lang.code, kit.period.code
    )
    lines = [f"phuxanh · {kit.lang.native} · {period}", ""]
    for n, e in enumerate(kit.entries, 1):
        head = " · ".join(x for x in (e.at.date().isoformat(), e.channel, e.theme_name) if x)
        lines.append(f"{n}. {head}")
        lines.append(f"   {labels['files']}: {', '.join(e.files().values())}")
        lines += [f"   {labels['caption']}:", *(f"     {ln}" for ln in e.caption.splitlines())]
        if e.alt_text:
            lines.append(f"   {labels['alt']}: {e.alt_text}")
        if e.sources:
            lines.append(f"   {labels['sources']}: {'; '.join(_source_text(s) for s in e.sources)}")
        if e.hashtags:
            lines.append(f"   {labels['hashtags']}: {' '.join(e.hashtags)}")
        lines.append("")
    lines += [
        "-" * 60,
        f"Bộ tư liệu gửi báo chí và cơ quan đại diện: {kit.period.label_vi}, "
        f"{kit.lang.name_vi[:1].lower()}{kit.lang.name_vi[1:]} ({kit.lang.code}), "
        f"{len(kit.entries)} sản phẩm đã duyệt.",
        "Mỗi sản phẩm có ảnh hoặc video, nội dung, mô tả ảnh và nguồn; danh sách trong "
        f"{INDEX}, dữ liệu đầy đủ trong {MANIFEST}.",
        "Chỉ gồm nội dung đã duyệt; ngôn ngữ khác tiếng Việt và tiếng Anh chỉ từ bản dịch đã "
        "được người đọc được ngôn ngữ đó duyệt.",
    ]
    return "\n".join(lines) + "\n"


def kit_name(kit: Kit) -> str:
    tail = f"-{kit.audience}" if kit.audience else ""
    return f"kit-{kit.period.code}-{kit.lang.code}{tail}.zip"


def write_kit(
    session: Session,
    *,
    period: Period,
    lang: Language,
    audience: str | None = None,
    out_dir: Path | None = None,
    actor: str = "cli",
) -> dict[str, Any]:
    """Write the kit's ZIP into `out_dir` (default: the data folder's kits/); returns the
    summary the command prints. Refuses a period with nothing in the language (and the
    audience), an unknown `actor`; writes nothing then."""
    if actor != "cli":
        user = session.exec(select(User).where(User.username == actor)).first()
        if user is None or not user.active:
            raise NotFound(f"--as: {actor!r} is not an active phuxanh user")
    kit = collect(session, period=period, lang=lang, audience=audience)
    if not kit.entries:
        whom = f" for audience {audience}" if audience else ""
        left = f" ({len(kit.left_out)} left out: {kit.left_out[0]['why']})" if kit.left_out else ""
        raise ValidationFailed(
            [
                f"--period: nothing approved in {lang.code} ({lang.name_en}){whom} in "
                f"{period.code} ({period.start:%d/%m/%Y}-{period.end:%d/%m/%Y}){left}; "
                "no kit written"
            ]
        )
    folder = out_dir if out_dir is not None else data_dir() / "kits"
    if folder.exists() and not folder.is_dir():
        raise ValidationFailed([f"--out: {folder} is a file, not a folder"])
    out = folder / kit_name(kit)
    made_at = dt.datetime.now(get_settings().tz).replace(microsecond=0)
    manifest = _manifest(kit, made_at)

    def draw(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for e in kit.entries:
                names = e.files()
                caption = e.caption
                if e.sources:
                    caption += "\n\n" + "\n".join(_source_text(s) for s in e.sources)
                zf.writestr(names["caption"], caption + "\n")
                if "alt" in names:
                    zf.writestr(names["alt"], e.alt_text + "\n")
                if e.media is not None:
                    zf.write(e.media, names["media"])
            zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
            zf.writestr(INDEX, "\ufeff" + _index(kit))
            zf.writestr(README, _readme(kit))

    write_whole(out, draw, what=f"the {lang.code} kit for {period.code}")
    files = sorted(n for e in kit.entries for n in e.files().values())
    summary = {
        "kit": str(out),
        "period": period.code,
        "lang": lang.code,
        "audience": audience,
        "entries": len(kit.entries),
        "items": [e.item_id for e in kit.entries],
        "files": [*files, MANIFEST, INDEX, README],
        "left_out": kit.left_out,
    }
    audit.record(
        session,
        actor=actor,
        action="export.kit",
        entity="kit",
        entity_id=out.name,
        detail={k: v for k, v in summary.items() if k not in ("files", "kit")},
    )
    return summary
