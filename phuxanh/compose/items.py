"""Items as people write them: create one for a channel and put it in review; edit one
(text, media, time, alt text: every save a new version); approve it as someone else. The
command line and the desk call the same functions, with the same rules.

Editing (`edit_item`) checks what the person gives before anything is written, and refuses
with a coded error naming the input (the CLI's flag: --text, --media, --at, --alt):
- text: NFC, not blank; once an item is in review or approved, an edit may not bring in a
  problem the quality checks find (a placeholder, a misspelt name): in a draft such a
  problem holds the draft, as the composer's own do;
- media: a file that can be posted at all (`media.checks.media_problem`, safe against
  pixel bombs) and that every target channel's platform accepts (the adapter's own
  `validate`); it is copied under the media root and its provenance kept (`Asset`);
- time: never in the past; inside every target channel's posting windows (the campaign
  file's `windows`) unless an approver overrides with a reason, which is audited; a card
  that counts down to a key date is drawn again for the new day (by the composer's own
  code, and the caption's and alt text's countdown line follow), or the move is refused
  when the day is not before the key date; a card whose message names a date is refused
  a day after that date;
- alt text: not blank, at most ALT_MAX characters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlmodel import Session, col, select

from phuxanh import quality, review
from phuxanh.catalog import audiences as audience_list
from phuxanh.compose import studio
from phuxanh.compose.captions import Part
from phuxanh.compose.card_values import CardPlan, card_for
from phuxanh.compose.drafts import CardJob, media_out
from phuxanh.compose.features import countdown_again, date_figure, past_date
from phuxanh.core import audit
from phuxanh.core.errors import Line, NotFound, PermissionDenied, ValidationFailed
from phuxanh.core.settings import get_settings
from phuxanh.core.text import control_char
from phuxanh.core.users import get_user
from phuxanh.media.cards import Brand, load_brand
from phuxanh.media.checks import media_problem
from phuxanh.media.images import VIDEO_SUFFIXES
from phuxanh.media.stored import UPLOADS, bring_in, media_root, to_stored
from phuxanh.models import (
    Asset,
    Campaign,
    Channel,
    ContentItem,
    ItemStatus,
    PackageDelivery,
    Slot,
    Template,
    Theme,
    User,
    utcnow,
)
from phuxanh.planning.campaign import CampaignSpec
from phuxanh.platforms import registry
from phuxanh.platforms.base import Post

ALT_MAX = 1000  # characters: X's cap on an image description, the strictest; never cut
UPLOAD_TEMPLATE = "upload"  # Asset.template_code of a file a person attached


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
    alt_text: str | None = None,
    urgent: bool = False,
    audiences: list[str] | None = None,
) -> ContentItem:
    """A new item for one channel, submitted for review by its author: its first version
    holds the caption, the media and its description (alt text). `urgent` puts it first in
    every approver's list and marks its e-mail; it is approved like any other item.
    `audiences`: who it is for (content/audiences.yaml codes, refused naming --audience
    when unknown; none: its channel's, `catalog.audiences.of_item`), audited as
    item.audiences. The time is not checked against the clock here (drills and tests run
    on a clock of their own); the desk refuses a time that has passed."""
    author = get_user(session, username=actor)
    channel = session.exec(select(Channel).where(Channel.code == channel_code)).first()
    if channel is None:
        raise NotFound(f"--channel: no channel {channel_code!r}")
    problems: list[Line] = []
    try:
        text = _text(text, "--text")
    except ValidationFailed as exc:
        problems.extend(exc.lines)
    if at.tzinfo is None:
        problems.append("--at: give the time zone (e.g. 2026-03-15T08:00+07:00)")
    alt = unicodedata.normalize("NFC", alt_text).strip() if alt_text else ""
    if alt:
        try:
            alt = _text(alt, "--alt")
        except ValidationFailed as exc:
            problems.extend(exc.lines)
        if media is None:
            problems.append("--alt: describes the photo or video: give --media too")
    if media is not None and not media.is_file():
        problems.append(f"--media: {media} does not exist")
    elif media is not None and (bad := media_problem(media)):
        problems.append(f"--media: {bad}")
    theme = None
    if theme_code:
        theme = session.exec(select(Theme).where(Theme.code == theme_code)).first()
        if theme is None:
            problems.append(f"--theme: no theme {theme_code!r}")
    for_whom = _audiences(audiences or [], problems)
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
    copied, fresh = _bring_in(media) if media else (None, False)
    try:
        item = ContentItem(
            unit_id=channel.unit_id,
            theme_id=theme.id if theme else None,
            caption=text,
            channel_ids=[channel.id or 0],
            link=link,
            media_path=to_stored(copied) if copied else None,
            alt_text=alt or None,
            urgent=urgent,
            audiences=for_whom,
            scheduled_at=at,
            author_id=author.id or 0,
        )
        session.add(item)
        session.flush()
        review.record_version(session, item, editor_id=author.id or 0, card_values={})
        if copied is not None:
            _upload_asset(session, item, copied)
        _audit_audiences(session, item, actor=author.username, before=[])
        review.submit(session, item=item, actor=author)
    except BaseException:  # refused (e.g. not an editor): no upload is left without its item
        if copied is not None and fresh:
            copied.unlink(missing_ok=True)
        raise
    return item


def set_audiences(
    session: Session, *, item: ContentItem, actor: User, audiences: list[str]
) -> bool:
    """Say who an item is for (content/audiences.yaml codes; [] : its channels' again),
    audited as item.audiences with the codes before and after. Who it is for is not what
    was approved (not in the approved hash), so it neither saves a version nor sends the
    item back to review, and a published item may be corrected too (reports count by
    it). Refused naming --audience for an unknown code; an editor or approver of the
    item's unit only. Whether anything changed. Not committed."""
    codes = audience_list.checked(list(audiences), "--audience")
    if actor.role not in review.SUBMITTERS | review.APPROVERS:
        raise PermissionDenied(code="item.may_not_edit", user=actor.username, role=actor.role)
    review.check_unit(session, actor, item)
    before = list(item.audiences or [])
    if codes == before:
        return False
    item.audiences = codes
    item.updated_at = utcnow()
    session.add(item)
    _audit_audiences(session, item, actor=actor.username, before=before)
    return True


def _audiences(codes: list[str], problems: list[Line]) -> list[str]:
    """The audience codes once each; an unknown one added to `problems` (naming
    --audience) and none returned."""
    try:
        return audience_list.checked(list(codes), "--audience")
    except ValidationFailed as exc:
        problems.extend(exc.lines)
        return []


def _audit_audiences(session: Session, item: ContentItem, *, actor: str, before: list[str]) -> None:
    """Record who the item is for now, and before, unless nothing changed."""
    if list(item.audiences) == before:
        return
    audit.record(
        session,
        actor=actor,
        action="item.audiences",
        entity="item",
        entity_id=item.id,
        detail={"before": before, "after": list(item.audiences)},
    )


def find_item(session: Session, item_id: int, *, field: str = "ID") -> ContentItem:
    """The item with this id, or a coded NotFound naming `field`."""
    item = session.get(ContentItem, item_id)
    if item is None:
        raise NotFound(code="item.not_found", field=field, id=item_id)
    return item


def approve_item(session: Session, *, item_id: int, actor: str) -> ContentItem:
    user: User = get_user(session, username=actor)
    return review.approve(session, item=find_item(session, item_id), actor=user)


# --- editing -------------------------------------------------------------------------------


def _bring_in(media: Path) -> tuple[Path, bool]:
    """`stored.bring_in`, and whether it made a new file (one this call may remove again
    when what it was for is refused; a file another item already uses always stays)."""
    root, absolute = media_root(), media.resolve()
    target = None
    if not absolute.is_relative_to(root):
        target = root / UPLOADS / f"{_sha256(absolute)[:16]}-{absolute.name}"
    existed = target is None or target.is_file()
    copied = bring_in(media)
    return copied, not existed and copied == target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _upload_asset(session: Session, item: ContentItem, copied: Path) -> Asset:
    """The provenance of a file a person attached: no template drew it; its bytes' hash."""
    digest = _sha256(copied)
    asset = Asset(
        content_item_id=item.id,
        path=to_stored(copied),
        sha256=digest,
        template_code=UPLOAD_TEMPLATE,
        template_version=0,
        input_sha256=digest,
        fact_ids=[],
    )
    session.add(asset)
    session.flush()
    return asset


# the longest caption any of our platforms takes (Facebook's adapter refuses past 63,206,
# docs/platforms.md), and the longest description of a photo (X takes 1,000): past these a
# text is a paste gone wrong, refused at once rather than at approval or at send
TEXT_MAX = 63_206
ALT_MAX = 1_000


def _text(value: str, field: str) -> str:
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise ValidationFailed(code="item.text_empty", field=field)
    if (bad := control_char(text)) is not None:  # printed, exported, posted: plain text only
        raise ValidationFailed(code="item.control_char", field=field, char=f"U+{ord(bad):04X}")
    most = ALT_MAX if field == "--alt" else TEXT_MAX
    if len(text) > most:
        raise ValidationFailed(code="item.too_long", field=field, n=len(text), most=most)
    return text


def _shown(when: dt.datetime) -> str:
    """A time as people read it: in the planning time zone, dd/mm/yyyy HH:MM."""
    return f"{when.astimezone(get_settings().tz):%d/%m/%Y %H:%M}"


def in_windows(windows: list[str], when: dt.datetime) -> bool:
    """Whether `when` (local time of day, planning time zone) falls in one of a channel's
    posting windows ("08:00-09:00", ends included as the planner includes them). A channel
    without windows takes any time."""
    if not windows:
        return True
    local = when.astimezone(get_settings().tz).time()
    for window in windows:
        start, _, end = window.partition("-")
        if dt.time.fromisoformat(start) <= local <= dt.time.fromisoformat(end):
            return True
    return False


def _media_problems(
    path: Path, channels: list[Channel], item: ContentItem, field: str
) -> ValidationFailed | None:
    """The attached file against being postable at all, then against each target
    channel's platform (the adapter's own checks; nothing is sent)."""
    if not path.is_file():
        return ValidationFailed(code="item.media_missing", field=field, path=str(path))
    bad = media_problem(path)
    if bad:
        return ValidationFailed(code="item.media_unusable", field=field, problem=bad)
    kind = "video" if path.suffix.lower() in VIDEO_SUFFIXES else "image"
    for channel in channels:
        post = Post(
            text=review.caption_for(item, channel),
            marker="edit-check",
            media_path=path,
            media_kind=kind,
            link=item.link,
            alt_text=item.alt_text,
        )
        with requests.Session() as http:  # never used: validating sends nothing
            said = registry.build(channel, http).validate(post)
        found = [p.removeprefix("media: ") for p in said if p.startswith("media:")]
        if found:
            return ValidationFailed(
                code="item.media_refused",
                field=field,
                channel=channel.code,
                platform=channel.platform,
                problems="; ".join(found),
            )
    return None


@dataclass(frozen=True)
class _Redraw:
    """A card drawn again for another day: what to render, and the old and new wording
    the caption and alt text carry from it."""

    plan: CardPlan
    brand: Brand
    day: dt.date
    clip: bool
    texts: list[tuple[str, str]]  # (old, new) lines of the caption that change
    alt: tuple[str, str] | None  # (old, new) alt text the composer wrote
    sentences: list[tuple[str, str]]  # (old, new) sentences of that alt text that change


def _changed(old: list[Part], new: list[Part]) -> list[tuple[str, str]]:
    pairs = []
    for before, after in zip(old, new, strict=False):
        for name in ("lead", "body", "credit", "short_credit"):
            was, now = getattr(before, name), getattr(after, name)
            if was and now and was != now:
                pairs.append((was, now))
    return pairs


def _sentences(text: str) -> list[str]:
    return text.rstrip(".").split(". ")


def _brand(session: Session, item: ContentItem) -> Brand | None:
    campaign = session.get(Campaign, item.campaign_id) if item.campaign_id else None
    if campaign is None:
        return None
    spec = CampaignSpec.model_validate(campaign.config)
    return load_brand(get_settings().assets_dir, spec.brand)


def _card_for_day(
    session: Session,
    item: ContentItem,
    channels: list[Channel],
    *,
    old_day: dt.date | None,
    new_day: dt.date,
    field: str,
) -> _Redraw | None:
    """What moving the post to `new_day` does to its card: a countdown is drawn again
    (None: the card does not depend on the day); a refusal when it cannot be."""
    theme = session.get(Theme, item.theme_id) if item.theme_id else None
    ref = item.content_ref or ""
    if theme is None or item.template_id is None:
        return None
    if ref.startswith(("message:", "slogan:", "points:")):  # what the card quotes
        latest = review.latest_version(session, item)
        values = latest.card_values if latest is not None else {}
        said = _strings([values.get("quote"), values.get("points")])
        if ref.startswith("message:"):
            index = ref.rsplit(":", 1)[-1]
            if index.isdigit() and int(index) < len(theme.key_messages):
                said.append(theme.key_messages[int(index)].get("vi", ""))
        for text in said:
            passed = past_date(text, new_day)
            if passed:
                raise ValidationFailed(
                    code="item.card_stale", field=field, date=passed, day=f"{new_day:%d/%m/%Y}"
                )
        return None
    if not ref.startswith("countdown:"):
        return None
    feature = countdown_again(session, ref=ref, theme=theme, day=new_day)
    brand = _brand(session, item)
    if feature is None or brand is None:
        raise ValidationFailed(code="item.card_unavailable", field=field, ref=ref)
    assert feature.key_date is not None and feature.days_left is not None
    if feature.days_left <= 0:
        raise ValidationFailed(
            code="item.countdown_past",
            field=field,
            event=feature.key_date.label_vi,
            date=date_figure(feature.key_date.on_date),
            day=f"{new_day:%d/%m/%Y}",
        )
    slot = session.get(Slot, item.slot_id) if item.slot_id else None
    template = session.get(Template, item.template_id)
    clip = slot.format == "clip" if slot is not None else bool(template and template.kind == "clip")
    langs = (channels[0].languages if channels else None) or ["vi"]
    new = card_for(session, feature, theme=theme, brand=brand, langs=langs, day=new_day, clip=clip)
    before = None
    if old_day is not None:
        before = countdown_again(session, ref=ref, theme=theme, day=old_day)
    if old_day is None or before is None or (before.days_left or 0) <= 0:
        return _Redraw(new, brand, new_day, clip, [], None, [])
    old = card_for(session, before, theme=theme, brand=brand, langs=langs, day=old_day, clip=clip)
    olds, news = _sentences(old.alt_text), _sentences(new.alt_text)
    sentences = (
        [(a, b) for a, b in zip(olds, news, strict=True) if a != b]
        if len(olds) == len(news)
        else []
    )
    return _Redraw(
        new,
        brand,
        new_day,
        clip,
        _changed(old.parts, new.parts),
        (old.alt_text, new.alt_text),
        sentences,
    )


def _strings(value: Any) -> list[str]:
    """Every piece of text in a card's values (text per language, lists of them)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _follow(text: str, pairs: list[tuple[str, str]]) -> str:
    for old, new in pairs:
        text = text.replace(old, new)
    return text


def _still_says(text: str, pairs: list[tuple[str, str]], field: str) -> None:
    """A text the person gave in the same edit that still carries the old wording."""
    for old, new in pairs:
        if old in text:
            raise ValidationFailed(code="item.countdown_text", field=field, old=old, new=new)


def _text_checks(
    session: Session,
    item: ContentItem,
    channels: list[Channel],
    *,
    caption: str,
    captions: Mapping[str, str],
    has_media: bool,
) -> list[str]:
    """What `quality.check` finds in these captions (as `quality.recheck` reads an item)."""
    theme = session.get(Theme, item.theme_id) if item.theme_id else None
    return quality.check(
        caption_vi=caption,
        captions={c.platform: captions.get(c.code, caption) for c in channels},
        names=[*theme.slogans, theme.title_vi] if theme is not None else [],
        unsourced=[],
        has_media=has_media,
    )


@dataclass
class _Texts:
    """The texts an edit sets (None: unchanged), and the channel captions the person gave."""

    caption: str | None = None
    captions: dict[str, str] | None = None
    alt: str | None = None
    given: dict[str, str] = field(default_factory=dict)


def _texts(
    item: ContentItem,
    codes: list[str],
    caption: str | None,
    captions: Mapping[str, str | None] | None,
    alt_text: str | None,
) -> _Texts:
    out = _Texts(caption=_text(caption, "--text") if caption is not None else None)
    if captions:
        out.captions = dict(item.captions)
        for code, text in captions.items():
            if code not in codes:
                raise ValidationFailed(
                    code="item.not_its_channel", field="--text", channel=code, channels=codes
                )
            if text is None:
                out.captions.pop(code, None)
            else:
                out.given[code] = out.captions[code] = _text(text, "--text")
    if alt_text is not None:
        out.alt = _text(alt_text, "--alt")
        if len(out.alt) > ALT_MAX:
            raise ValidationFailed(
                code="item.too_long", field="--alt", n=len(out.alt), most=ALT_MAX
            )
    return out


def _new_time(
    item: ContentItem,
    channels: list[Channel],
    *,
    actor: User,
    scheduled_at: dt.datetime | None,
    outside_windows: str | None,
    now: dt.datetime,
) -> tuple[dt.datetime | None, dict[str, Any] | None]:
    """The new time once it passes the rules (None: no change), and the override of the
    posting windows to audit (None: none was needed)."""
    if scheduled_at is None:
        return None, None
    if scheduled_at.tzinfo is None:
        raise ValidationFailed(code="item.time_no_zone", field="--at")
    if item.scheduled_at is not None and scheduled_at == item.scheduled_at:
        return None, None  # the same time: nothing to check, nothing changes
    if scheduled_at <= now:
        raise ValidationFailed(
            code="item.time_past", field="--at", at=_shown(scheduled_at), now=_shown(now)
        )
    outside = [c for c in channels if not in_windows(c.posting_windows, scheduled_at)]
    if not outside:
        return scheduled_at, None
    if outside_windows is None:
        raise ValidationFailed(
            code="item.outside_windows",
            field="--at",
            at=_shown(scheduled_at),
            channel=outside[0].code,
            windows=outside[0].posting_windows,
        )
    if actor.role not in review.APPROVERS:
        raise PermissionDenied(code="item.may_not_override", user=actor.username, role=actor.role)
    reason = unicodedata.normalize("NFC", outside_windows).strip()
    if not reason:
        raise ValidationFailed(code="item.override_reason", field="outside_windows")
    return scheduled_at, {
        "at": scheduled_at.isoformat(),
        "channels": {c.code: c.posting_windows for c in outside},
        "reason": reason,
    }


def _follow_card(item: ContentItem, redraw: _Redraw, texts: _Texts) -> None:
    """The caption and alt text say what the card drawn again says: the composer's lines
    that change follow it; a text the person gives in the same edit must not keep them."""
    if texts.caption is not None:
        _still_says(texts.caption, redraw.texts, "--text")
    else:
        moved = _follow(item.caption, redraw.texts)
        texts.caption = moved if moved != item.caption else None
    current = texts.captions if texts.captions is not None else item.captions
    shown = dict(current)
    for code, text in current.items():
        if code in texts.given:
            _still_says(text, redraw.texts, "--text")
        else:
            shown[code] = _follow(text, redraw.texts)
    if shown != current:
        texts.captions = shown
    if texts.alt is not None:
        _still_says(texts.alt, redraw.sentences, "--alt")
    elif not item.alt_text:
        texts.alt = redraw.plan.alt_text
    elif redraw.alt is not None:
        was = item.alt_text
        moved = redraw.alt[1] if was == redraw.alt[0] else _follow(was, redraw.sentences)
        texts.alt = moved if moved != was else None


def _no_new_problem(
    session: Session, item: ContentItem, channels: list[Channel], texts: _Texts, has_media: bool
) -> None:
    """Once an item is in review or approved, an edit may not bring in a problem the
    quality checks find (approval does not look at them again); in a draft it holds it."""
    if item.status in (ItemStatus.draft, ItemStatus.changes_requested):
        return
    if texts.caption is None and texts.captions is None:
        return
    before = _text_checks(
        session, item, channels, caption=item.caption, captions=item.captions, has_media=has_media
    )
    after = _text_checks(
        session,
        item,
        channels,
        caption=texts.caption if texts.caption is not None else item.caption,
        captions=texts.captions if texts.captions is not None else item.captions,
        has_media=has_media,
    )
    brought = [p for p in after if p not in before]
    if brought:
        raise ValidationFailed(code="item.text_problem", field="--text", problem=brought[0])


def edit_item(
    session: Session,
    *,
    item: ContentItem,
    actor: User,
    caption: str | None = None,
    captions: Mapping[str, str | None] | None = None,
    media: Path | None = None,
    scheduled_at: dt.datetime | None = None,
    alt_text: str | None = None,
    note: str | None = None,
    outside_windows: str | None = None,
    now: dt.datetime | None = None,
    locks_checked: bool = False,
) -> ContentItem:
    """Edit an item the way the desk and `phuxanh item edit` do; returns it (a change saves
    version `item.version`, see `review.edit`; no change saves nothing). Not committed.

    - `caption`: the common caption; `captions`: a channel's own caption by channel code
      (None for a code: that channel takes the common caption again);
    - `media`: a file to attach instead of the card (copied under the media root);
    - `scheduled_at`: the new time (aware); `outside_windows`: an approver's reason to
      schedule outside a channel's posting windows (audited as item.schedule_override);
    - `alt_text`: what the image shows, for readers who cannot see it;
    - `note`: what the change is, kept with the version;
    - `now`: the clock the past is measured against (default: now).

    Every refusal (see the module) is a coded error naming the input, and nothing is
    written then. An edit after approval sends the item back to review (`review.edit`);
    an item whose send is in doubt cannot change (`review.SendInDoubt`). An item received
    in a content package is edited through `network.packages.edit_received`, which keeps
    what the package locks and passes `locks_checked`."""
    review.check_may_edit(session, item=item, actor=actor)
    received = select(PackageDelivery.id).where(PackageDelivery.item_id == item.id)
    if not locks_checked and session.exec(received).first() is not None:
        raise ValidationFailed(
            [f"ID: item {item.id} came in a content package: edit it with `phuxanh package edit`"]
        )
    channels = list(
        session.exec(
            select(Channel).where(col(Channel.id).in_(item.channel_ids)).order_by(col(Channel.code))
        )
    )
    texts = _texts(item, [c.code for c in channels], caption, captions, alt_text)
    if media is not None:
        refused = _media_problems(media, channels, item, "--media")
        if refused is not None:
            raise refused
    scheduled_at, override = _new_time(
        item,
        channels,
        actor=actor,
        scheduled_at=scheduled_at,
        outside_windows=outside_windows,
        now=now or utcnow(),
    )
    redraw = None
    if scheduled_at is not None and media is None:
        tz = get_settings().tz
        old_day = item.scheduled_at.astimezone(tz).date() if item.scheduled_at else None
        new_day = scheduled_at.astimezone(tz).date()
        if old_day != new_day:
            redraw = _card_for_day(
                session, item, channels, old_day=old_day, new_day=new_day, field="--at"
            )
    if redraw is not None:
        _follow_card(item, redraw, texts)
    _no_new_problem(session, item, channels, texts, bool(item.media_path) or media is not None)
    return _save(
        session,
        item=item,
        actor=actor,
        texts=texts,
        media=media,
        redraw=redraw,
        scheduled_at=scheduled_at,
        note=note,
        override=override,
    )


def _save(
    session: Session,
    *,
    item: ContentItem,
    actor: User,
    texts: _Texts,
    media: Path | None,
    redraw: _Redraw | None,
    scheduled_at: dt.datetime | None,
    note: str | None,
    override: dict[str, Any] | None,
) -> ContentItem:
    """Bring the file in or draw the card, then save the version (`review.edit`) and the
    provenance; a file made here goes again when anything fails or nothing changed."""
    made: list[Path] = []
    try:
        media_path, card_values, copied = None, None, None
        rendered: studio.Rendered | None = None
        if media is not None:
            copied, fresh = _bring_in(media)
            made += [copied] if fresh else []
            media_path, card_values = to_stored(copied), {}
        elif redraw is not None:
            settings = get_settings()
            stem = f"slot{item.slot_id}" if item.slot_id else f"item{item.id}"
            out = media_out(settings.media_dir, stem, redraw.plan.values, clip=redraw.clip)
            made += [p for p in (out, out.with_suffix(".srt")) if not p.exists()]
            rendered = CardJob(
                redraw.plan.spec,
                redraw.plan.values,
                redraw.brand,
                out,
                redraw.day,
                clip_preset=settings.clip_preset if redraw.clip else None,
                lang=redraw.plan.lang,
            ).run()
            media_path, card_values = to_stored(out), dict(redraw.plan.values.values)
        version = item.version
        review.edit(
            session,
            item=item,
            actor=actor,
            caption=texts.caption,
            captions=texts.captions,
            media_path=media_path,
            scheduled_at=scheduled_at,
            alt_text=texts.alt,
            note=note,
            card_values=card_values,
        )
        if item.version == version:  # nothing changed after all (e.g. the same bytes)
            for path in made:
                path.unlink(missing_ok=True)
            return item
        if copied is not None:
            _upload_asset(session, item, copied)
            item.template_id = None  # a person's file, no longer the template's card
            session.add(item)
        elif rendered is not None and redraw is not None:
            studio.record_asset(session, redraw.plan.spec, rendered, content_item_id=item.id)
        if override is not None:
            audit.record(
                session,
                actor=actor.username,
                action="item.schedule_override",
                entity="item",
                entity_id=item.id,
                detail=override | {"version": item.version},
            )
    except BaseException:  # refused or failed: no new file is left without its item
        for path in made:
            path.unlink(missing_ok=True)
        raise
    return item


def comment_item(session: Session, *, item_id: int, actor: str, text: str) -> ContentItem:
    """`phuxanh item comment`: `review.comment` by username and item id."""
    item = find_item(session, item_id)
    review.comment(session, item=item, actor=get_user(session, username=actor), text=text)
    return item
