"""Content packages: approved content one unit sends down to others (the city to its wards,
a department to the wards it works with). Each receiving unit gets a draft of its own:
on its own channels, at a time inside their posting windows, drawn with its own brand kit
and carrying its own name, hotline and address where the sender's said the sender's. Its
editors may change the wording, but not the fact and its source (`locked`); its own
approvers approve it (the normal review rules: the item's unit is the receiver's).

A received draft is the receiving unit's own: its author is a person of that unit (its
editor, else its manager: `author_for`), so four eyes hold there as everywhere: that
person submits it and may not approve it, another of the unit's people approves. The
sender stays on record as who sent it (the audit row, the version's note). A unit with
nobody to author a draft is named and passed over, never given the sender as its author.
Its link and the links in its captions carry the receiving unit's UTM parameters
(`retag`): its channel in utm_source and its campaign in utm_campaign, never the sender's.

- `make_package`: a package from an approved, scheduled or published item of the sender;
- `send`: one `PackageDelivery` and one draft per receiving unit (named, or every unit of a
  level); a unit receives a package once;
- `edit_received`: the edit a receiving unit makes (`check_locked`, then
  `compose.items.edit_item`, which refuses to edit a received item any other way);
- `decline`: a receiving unit says no, with its reason;
- `deliveries`: per unit, received / approved / published / declined. The state follows
  the draft's status when it is read (`delivery_state`), so it cannot drift.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from phuxanh import quality, review
from phuxanh.compose import captions as caption_parts
from phuxanh.compose import studio
from phuxanh.compose.drafts import CardJob, media_out
from phuxanh.compose.items import edit_item, in_windows
from phuxanh.core import audit
from phuxanh.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from phuxanh.core.settings import get_settings
from phuxanh.core.text import control_problem
from phuxanh.core.users import oversees
from phuxanh.media.cards import load_brand
from phuxanh.media.inputs import CardValues
from phuxanh.media.stored import to_stored
from phuxanh.media.templates import load_template
from phuxanh.models import (
    Campaign,
    Channel,
    ContentItem,
    Fact,
    ItemComment,
    ItemStatus,
    ItemVersion,
    Package,
    PackageDelivery,
    Role,
    Slot,
    Template,
    Theme,
    Unit,
    User,
    utcnow,
)

DEFAULT_LOCKED = ("fact", "source")
# the card fields a catalog fact fills besides its source (media.inputs: `fact: CODE`)
FACT_FIELDS = ("text", "figure", "unit")
SOURCE_FIELDS = ("source",)
SOURCE_LINE = ("Nguồn:", "Source:")  # how a caption's source line starts (captions.Part)
UNIT_FIELDS = ("name", "hotline", "address")  # {unit.name} … filled with the receiver's
SHAREABLE = (ItemStatus.approved, ItemStatus.scheduled, ItemStatus.published)
TITLE_MAX = 200
SEARCH_DAYS = 14  # how far ahead a free time in the receiver's windows is looked for
STEP = dt.timedelta(minutes=30)  # the times tried inside a posting window
AUTHORS = (Role.editor, Role.manager)  # who of a receiving unit authors its draft, in order
URL = re.compile(r"https?://[^\s<>\"']+")
URL_TAIL = ".,;:!?)]}"  # punctuation after a link in a sentence is not part of it

DeliveryState = Literal["received", "approved", "published", "declined", "rejected"]


@dataclass(frozen=True)
class DeliveryRow:
    """One receiving unit's answer to a package, as it stands when read."""

    unit: str  # the unit's code
    unit_name: str
    state: DeliveryState
    item_id: int | None
    item_status: str | None
    channels: list[str]
    scheduled_at: dt.datetime | None
    reason: str | None  # why it was declined


@dataclass
class Sent:
    """What `send` did: the deliveries made, and the units of a level it passed over."""

    deliveries: list[PackageDelivery] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "CODE: why"


def _nfc(value: str, field: str | None = None) -> str:
    """NFC and trimmed; with `field`, refused if it holds a control character (a title,
    note or reason is printed raw by `package status`)."""
    value = unicodedata.normalize("NFC", value).strip()
    if field is not None and (problem := control_problem(value, field)):
        raise ValidationFailed([problem])
    return value


def received_in(session: Session, item: ContentItem) -> PackageDelivery | None:
    """The delivery that brought `item` to its unit (None: not from a package)."""
    return _delivery_of(session, item)


def _may_act(session: Session, actor: User, unit_id: int, what: str) -> None:
    if actor.role not in review.SUBMITTERS | review.APPROVERS:
        raise PermissionDenied(f"--as: {actor.username} ({actor.role}) may not {what}")
    if not oversees(session, actor=actor, unit_id=unit_id):
        unit = session.get(Unit, unit_id)
        raise PermissionDenied(
            f"--as: {actor.username} is not of {unit.code if unit else unit_id} "
            f"or a unit above it, and may not {what}"
        )


def find_package(session: Session, package_id: int, *, field: str = "ID") -> Package:
    package = session.get(Package, package_id)
    if package is None:
        raise NotFound(f"{field}: no content package {package_id}")
    return package


def _lock_names(
    session: Session, item: ContentItem, locked: tuple[str, ...] | list[str]
) -> list[str]:
    """The locks, checked: "fact", "source", or a field of the item's card ("card.title";
    a bare field name means the same)."""
    template = session.get(Template, item.template_id) if item.template_id else None
    names: set[str] = set()
    if template is not None:
        spec = load_template(get_settings().assets_dir, template.code)
        names = {f.name for f in spec.fields}
    out: list[str] = []
    for raw in locked:
        name = _nfc(raw)
        if name in DEFAULT_LOCKED:
            out.append(name)
            continue
        bare = name.removeprefix("card.")
        if bare not in names:
            known = ", ".join([*DEFAULT_LOCKED, *(f"card.{n}" for n in sorted(names))])
            raise ValidationFailed(
                [f"--lock: {name!r} is not a part of item {item.id} (one of: {known})"]
            )
        out.append(f"card.{bare}")
    return list(dict.fromkeys(out))


def make_package(
    session: Session,
    *,
    item: ContentItem,
    actor: User,
    title: str,
    locked: tuple[str, ...] | list[str] = DEFAULT_LOCKED,
    note: str | None = None,
) -> Package:
    """A package of `item` (approved, scheduled or published; of a unit the actor belongs
    to or is above). It keeps the item as it is now: its card's template and values, its
    captions, facts and sources (`snapshot`). Not committed."""
    _may_act(session, actor, item.unit_id, "make a package of its items")
    if item.status not in SHAREABLE:
        raise ValidationFailed(
            [
                f"ITEM: item {item.id} is {item.status}; only an approved, scheduled or "
                "published item can be sent as a package"
            ]
        )
    title = _nfc(title, "--title")
    if not title or len(title) > TITLE_MAX:
        raise ValidationFailed([f"--title: give a title of 1-{TITLE_MAX} characters"])
    made = session.exec(select(Package).where(Package.source_item_id == item.id)).first()
    if made is not None:  # two packages of one item would give each unit two drafts
        raise ValidationFailed(
            [f"ITEM: item {item.id} is package {made.id} already (phuxanh package send {made.id})"]
        )
    package = Package(
        unit_id=item.unit_id,
        source_item_id=item.id or 0,
        title=title,
        locked=_lock_names(session, item, locked),
        note=_nfc(note, "--note") or None if note else None,
        created_by_id=actor.id or 0,
    )
    session.add(package)
    session.flush()
    audit.record(
        session,
        actor=actor.username,
        action="package.make",
        entity="package",
        entity_id=package.id,
        detail={"item": item.id, "title": title, "locked": package.locked},
    )
    return package


def snapshot(session: Session, package: Package) -> ItemVersion:
    """The source item as it was when the package was made (its newest version then)."""
    source = session.get(ContentItem, package.source_item_id)
    assert source is not None
    row = session.exec(
        select(ItemVersion)
        .where(
            ItemVersion.content_item_id == source.id,
            col(ItemVersion.at) <= package.created_at,
        )
        .order_by(col(ItemVersion.version).desc(), col(ItemVersion.id).desc())
    ).first()
    if row is not None:
        return row
    return ItemVersion(  # an item saved before versions were kept: as it is
        content_item_id=source.id or 0,
        version=source.version,
        caption=source.caption,
        captions=dict(source.captions),
        media_path=source.media_path,
        alt_text=source.alt_text,
        card_values={},
        scheduled_at=source.scheduled_at,
        channel_ids=list(source.channel_ids),
        editor_id=source.author_id,
    )


# --- what is locked --------------------------------------------------------------------


def _fact_texts(session: Session, fact_ids: list[int]) -> list[str]:
    facts = session.exec(select(Fact).where(col(Fact.id).in_(fact_ids))).all()
    return [t for f in facts for t in (f.text_vi, f.text_en) if t]


def locked_lines(text: str, locked: list[str], facts: list[str]) -> list[str]:
    """The lines of a caption a receiving unit may not change: its source lines ("Nguồn:",
    "Source:") when the source is locked, the lines that state a fact when the fact is."""
    out = []
    for line in text.splitlines():
        bare = line.strip()
        if not bare:
            continue
        is_source = "source" in locked and bare.startswith(SOURCE_LINE)
        if is_source or ("fact" in locked and any(f in bare for f in facts)):
            out.append(bare)
    return out


def locked_fields(locked: list[str]) -> set[str]:
    """The card fields a receiving unit may not change."""
    names = {n.removeprefix("card.") for n in locked if n.startswith("card.")}
    if "fact" in locked:
        names |= set(FACT_FIELDS)
    if "source" in locked:
        names |= set(SOURCE_FIELDS)
    return names


def _delivery_of(session: Session, item: ContentItem) -> PackageDelivery | None:
    return session.exec(select(PackageDelivery).where(PackageDelivery.item_id == item.id)).first()


def check_locked(
    session: Session,
    item: ContentItem,
    *,
    caption: str | None = None,
    captions: Mapping[str, str | None] | None = None,
    media: Path | None = None,
) -> None:
    """Refuse an edit of a received item that changes what its package locks: a locked
    line of a caption (each as it was delivered), or the card (a file instead of it) when
    the card shows a locked field. Nothing to check for an item that came in no package."""
    delivery = _delivery_of(session, item)
    if delivery is None:
        return
    package = session.get(Package, delivery.package_id)
    assert package is not None
    first = session.exec(
        select(ItemVersion)
        .where(ItemVersion.content_item_id == item.id)
        .order_by(col(ItemVersion.version), col(ItemVersion.id))
    ).first()
    if first is None:
        return
    facts = _fact_texts(session, item.fact_ids)
    channels = session.exec(select(Channel).where(col(Channel.id).in_(item.channel_ids))).all()
    common = caption if caption is not None else item.caption
    now = dict(item.captions)
    for code, text in (captions or {}).items():
        if text is None:
            now.pop(code, None)
        else:
            now[code] = text
    pairs = [(first.caption, common)] + [
        (first.captions.get(c.code, first.caption), now.get(c.code, common)) for c in channels
    ]
    for before, after in pairs:
        kept = {line.strip() for line in after.splitlines()}
        for line in locked_lines(before, package.locked, facts):
            if unicodedata.normalize("NFC", line) not in {
                unicodedata.normalize("NFC", k) for k in kept
            }:
                raise ValidationFailed(
                    [
                        f"--text: the line {line!r} comes from content package {package.id} "
                        "and is locked (the fact and its source); keep it as it is"
                    ]
                )
    shown = set(first.card_values) & locked_fields(package.locked)
    if media is not None and item.template_id is not None and shown:
        raise ValidationFailed(
            [
                f"--media: the card of item {item.id} shows what content package {package.id} "
                f"locks ({', '.join(sorted(shown))}); it cannot be replaced by another file"
            ]
        )


def edit_received(
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
) -> ContentItem:
    """`compose.items.edit_item` for any item, keeping what a package locks (`check_locked`)."""
    review.check_may_edit(session, item=item, actor=actor)
    check_locked(session, item, caption=caption, captions=captions, media=media)
    return edit_item(
        session,
        item=item,
        actor=actor,
        caption=caption,
        captions=captions,
        media=media,
        scheduled_at=scheduled_at,
        alt_text=alt_text,
        note=note,
        outside_windows=outside_windows,
        now=now,
        locks_checked=True,
    )


# --- sending ---------------------------------------------------------------------------


def _fill(text: str, sender: Unit, receiver: Unit, keep: list[str]) -> str:
    """The text with the receiver's name, hotline and address where it asks for them
    (`{unit.name}` …) or says the sender's; the lines in `keep` stay as they are."""
    out = []
    for line in text.split("\n"):
        said = line
        for name in UNIT_FIELDS if line.strip() not in keep else ():
            new, old = getattr(receiver, name), getattr(sender, name)
            if new:
                said = said.replace("{unit." + name + "}", new)
                said = said.replace(old, new) if old else said
        out.append(said)
    return "\n".join(out)


def _fill_value(value: object, sender: Unit, receiver: Unit) -> object:
    if isinstance(value, str):
        return _fill(value, sender, receiver, [])
    if isinstance(value, dict):
        return {k: _fill_value(v, sender, receiver) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_value(v, sender, receiver) for v in value]
    return value


def author_for(session: Session, unit: Unit) -> User | None:
    """Who authors the draft a unit receives: an active editor of the unit itself (not of a
    unit above it), else its manager; the first by username. None: nobody there can."""
    people = session.exec(
        select(User)
        .where(User.unit_id == unit.id, User.active, col(User.role).in_(AUTHORS))
        .order_by(col(User.username))
    ).all()
    return min(people, key=lambda u: AUTHORS.index(u.role), default=None)


def utm_campaign(
    session: Session, package: Package, unit: Unit, channel: Channel, day: dt.date
) -> str:
    """What a received draft's link says in utm_campaign: the campaign that plans the
    receiving channel on that day, else one of the receiving unit's own running then (the
    latest begun), else the package itself (`package-ID`). The sender's campaign only when
    it plans the receiving channel too (a department's Page in the city's campaign)."""
    running = session.exec(
        select(Campaign)
        .where(col(Campaign.starts_on) <= day, col(Campaign.ends_on) >= day)
        .order_by(col(Campaign.starts_on).desc(), col(Campaign.code))
    ).all()
    for campaign in running:
        if channel.code in {str(c.get("code")) for c in campaign.config.get("channels", [])}:
            return campaign.code
    own = [c for c in running if c.unit_id == unit.id]
    return own[0].code if own else f"package-{package.id}"


def retag(text: str, *, campaign: str, source: str, theme: str | None) -> str:
    """The text with every link that carries UTM parameters tagged anew (`captions.utm`):
    `source` (the receiving channel) in utm_source, `campaign` in utm_campaign, the theme
    (else what the link said) in utm_content. Links without UTM parameters (a source
    document's address) stay as they are."""

    def one(found: re.Match[str]) -> str:
        raw = found.group(0)
        url = raw.rstrip(URL_TAIL)
        tail = raw[len(url) :]
        query = dict(parse_qsl(urlsplit(url).query))
        if not any(k.startswith("utm_") for k in query):
            return raw
        content = theme or query.get("utm_content") or campaign
        return caption_parts.utm(url, campaign=campaign, theme=content, channel=source) + tail

    return URL.sub(one, text)


def _free(session: Session, channel: Channel, when: dt.datetime) -> bool:
    """No other post of the channel within its spacing, and the day not full."""
    spacing = dt.timedelta(minutes=channel.min_spacing_minutes)
    tz = get_settings().tz
    local = when.astimezone(tz).date()
    day0 = dt.datetime.combine(local, dt.time(), tz)
    since, until = min(when - spacing, day0), max(when + spacing, day0 + dt.timedelta(days=1))
    items = session.exec(
        select(ContentItem).where(
            col(ContentItem.scheduled_at) >= since,
            col(ContentItem.scheduled_at) <= until,
            col(ContentItem.status) != ItemStatus.rejected,
        )
    ).all()
    times = [i.scheduled_at for i in items if channel.id in i.channel_ids and i.scheduled_at]
    slots = session.exec(
        select(Slot).where(
            Slot.channel_id == channel.id,
            col(Slot.scheduled_at) >= since,
            col(Slot.scheduled_at) <= until,
            col(Slot.id).not_in(
                select(ContentItem.slot_id).where(col(ContentItem.slot_id).is_not(None))
            ),
        )
    ).all()
    times += [s.scheduled_at for s in slots]
    if any(abs(t - when) < spacing for t in times):
        return False
    return sum(1 for t in times if t.astimezone(tz).date() == local) < channel.max_per_day


def next_time(session: Session, channels: list[Channel], *, now: dt.datetime) -> dt.datetime:
    """The first time after `now` inside every channel's posting windows (tried every
    half hour from each window's start) and free on each; with no windows known, the next
    free full hour."""
    tz = get_settings().tz
    windows = sorted({w for c in channels for w in c.posting_windows})
    start = now.astimezone(tz).date()
    tried: set[dt.datetime] = set()
    for offset in range(SEARCH_DAYS):
        day = start + dt.timedelta(days=offset)
        found: list[dt.datetime] = []
        for window in windows:
            begin, _, end = window.partition("-")
            t = dt.datetime.combine(day, dt.time.fromisoformat(begin), tz)
            last = dt.datetime.combine(day, dt.time.fromisoformat(end), tz)
            while t <= last:
                found.append(t)
                t += STEP
        if not windows:
            found = [dt.datetime.combine(day, dt.time(hour), tz) for hour in range(24)]
        for t in sorted(set(found) - tried):
            tried.add(t)
            if t <= now or not all(in_windows(c.posting_windows, t) for c in channels):
                continue
            if all(_free(session, c, t) for c in channels):
                return t
    shown = "; ".join(f"{c.code} {c.posting_windows or 'any time'}" for c in channels)
    raise ValidationFailed([f"--unit: no free time in the next {SEARCH_DAYS} days on {shown}"])


def _receivers(
    session: Session, package: Package, units: list[Unit] | None, level: str | None
) -> tuple[list[tuple[Unit, list[Channel], User]], list[str]]:
    """The units to deliver to, each with its channels and the person who authors its
    draft (`author_for`); the units of a level passed over."""
    if (units is None) == (level is None):
        raise ValidationFailed(["--unit/--level: give the units (--unit) or one level (--level)"])
    had = {
        d.unit_id: d
        for d in session.exec(
            select(PackageDelivery).where(PackageDelivery.package_id == package.id)
        )
    }
    explicit = units is not None
    if units is None:
        units = list(
            session.exec(
                select(Unit)
                .where(Unit.level == level, Unit.id != package.unit_id)
                .order_by(col(Unit.code))
            )
        )
        if not units:
            raise ValidationFailed([f"--level: no other unit has the level {level!r}"])
    problems, skipped, out = [], [], []
    once = {u.id: u for u in units}  # the same unit named twice counts once
    for unit in once.values():
        channels = list(
            session.exec(
                select(Channel).where(Channel.unit_id == unit.id).order_by(col(Channel.code))
            )
        )
        why = None
        author = author_for(session, unit)
        if unit.id == package.unit_id:
            why = "it is the package's own unit"
        elif unit.id in had:
            why = f"it received package {package.id} already (delivery {had[unit.id].id})"
        elif not channels:
            why = "it has no channel to post on (phuxanh channel add --unit)"
        elif author is None:
            why = (
                "it has no editor to author its draft "
                f"(phuxanh user add USER --unit {unit.code} --role editor)"
            )
        if why is None and author is not None:
            out.append((unit, channels, author))
        elif explicit:
            problems.append(f"--unit: {unit.code}: {why}")
        else:
            skipped.append(f"{unit.code}: {why}")
    if problems:
        raise ValidationFailed(problems)
    return out, skipped


def send(
    session: Session,
    *,
    package: Package,
    actor: User,
    units: list[Unit] | None = None,
    level: str | None = None,
    now: dt.datetime | None = None,
) -> Sent:
    """Deliver the package to `units` (each must be new to it and have a channel), or to
    every other unit of `level` (those without a channel, or that have it already, are
    passed over and named). Each gets a draft of its own (`receive`). Not committed."""
    _may_act(session, actor, package.unit_id, "send its packages")
    source = session.get(ContentItem, package.source_item_id)
    sender = session.get(Unit, package.unit_id)
    assert source is not None and sender is not None
    receivers, skipped = _receivers(session, package, units, level)
    made: list[Path] = []
    sent = Sent(skipped=skipped)
    try:
        for unit, channels, author in receivers:
            sent.deliveries.append(
                _receive(
                    session,
                    package=package,
                    source=source,
                    sender=sender,
                    unit=unit,
                    channels=channels,
                    author=author,
                    actor=actor,
                    now=now or utcnow(),
                    made=made,
                )
            )
    except IntegrityError as exc:  # another send to the same unit won the race
        for path in made:
            path.unlink(missing_ok=True)
        raise ValidationFailed(
            [f"--unit: package {package.id} was sent to one of these units at the same time"]
        ) from exc
    except BaseException:
        for path in made:
            path.unlink(missing_ok=True)
        raise
    return sent


def _receive(
    session: Session,
    *,
    package: Package,
    source: ContentItem,
    sender: Unit,
    unit: Unit,
    channels: list[Channel],
    author: User,
    actor: User,
    now: dt.datetime,
    made: list[Path],
) -> PackageDelivery:
    """One unit's draft of the package, authored by `author` (of that unit); `actor`, who
    sends it, is on record in the audit row and the version's note."""
    settings = get_settings()
    was = snapshot(session, package)
    facts = _fact_texts(session, source.fact_ids)
    sent_channels = session.exec(select(Channel).where(col(Channel.id).in_(was.channel_ids))).all()
    by_platform = {
        c.platform: was.captions[c.code] for c in sent_channels if c.code in was.captions
    }
    when = next_time(session, channels, now=now)
    theme = session.get(Theme, source.theme_id) if source.theme_id else None
    campaign = utm_campaign(
        session, package, unit, channels[0], when.astimezone(settings.tz).date()
    )

    def tagged(text: str) -> str:
        """One link for every channel of the draft: utm_source names the channel when the
        unit posts it on one, the unit (its code) when on several."""
        return retag(
            text,
            campaign=campaign,
            source=channels[0].code if len(channels) == 1 else unit.code,
            theme=theme.code if theme is not None else None,
        )

    def filled(text: str) -> str:
        return tagged(_fill(text, sender, unit, locked_lines(text, package.locked, facts)))

    caption = filled(was.caption)
    captions = {
        c.code: filled(by_platform[c.platform]) for c in channels if c.platform in by_platform
    }
    captions = {code: text for code, text in captions.items() if text != caption}
    media_path, values, spec, rendered = was.media_path, dict(was.card_values), None, None
    template = session.get(Template, source.template_id) if source.template_id else None
    if template is not None and values:
        spec = load_template(settings.assets_dir, template.code)
        if spec.version != template.version:
            raise ValidationFailed(
                [
                    f"ID: the template {template.code} of item {source.id} changed since "
                    f"(version {template.version}, now {spec.version}); make a new package"
                ]
            )
        keep = locked_fields(package.locked)
        values = {k: v if k in keep else _fill_value(v, sender, unit) for k, v in values.items()}
        brand = load_brand(settings.assets_dir, unit.brand or settings.brand)
        card = CardValues(values, fact_ids=list(source.fact_ids))
        clip = spec.kind == "clip"
        out = media_out(settings.media_dir, f"package{package.id}-{unit.code}", card, clip=clip)
        made.extend(p for p in (out, out.with_suffix(".srt")) if not p.exists())
        rendered = CardJob(
            spec,
            card,
            brand,
            out,
            when.astimezone(settings.tz).date(),
            clip_preset=settings.clip_preset if clip else None,
            lang=source.language,  # the card speaks the language the source's card spoke
        ).run()
        media_path = to_stored(out)
    holds = quality.check(
        caption_vi=caption,
        captions={c.platform: captions.get(c.code, caption) for c in channels},
        names=[*theme.slogans, theme.title_vi] if theme is not None else [],
        unsourced=[],
        has_media=media_path is not None,
    )
    item = ContentItem(
        theme_id=source.theme_id,
        unit_id=unit.id or 0,
        language=source.language,
        caption=caption,
        captions=captions,
        channel_ids=[c.id or 0 for c in channels],
        link=tagged(source.link) if source.link else None,
        media_path=media_path,
        alt_text=_fill(was.alt_text, sender, unit, []) if was.alt_text else None,
        template_id=source.template_id if rendered is not None else None,
        fact_ids=list(source.fact_ids),
        content_ref=f"package:{package.id}",
        hold_reasons=holds,
        machine_drafted=source.machine_drafted,
        # a city's clarification pushed down stays one: first for the unit's approvers,
        # two of them, published at once when approved (review.approvals_needed)
        urgent=source.urgent,
        incident_id=source.incident_id,
        scheduled_at=when,
        author_id=author.id or 0,
    )
    session.add(item)
    session.flush()
    if rendered is not None and spec is not None:
        studio.record_asset(session, spec, rendered, content_item_id=item.id)
    review.record_version(
        session,
        item,
        editor_id=author.id or 0,
        card_values=values,
        note=f"{package.title} (package {package.id}, sent by {actor.username} of {sender.code})",
    )
    delivery = PackageDelivery(package_id=package.id or 0, unit_id=unit.id or 0, item_id=item.id)
    session.add(delivery)
    session.flush()
    audit.record(
        session,
        actor=actor.username,
        action="package.send",
        entity="package",
        entity_id=package.id,
        detail={
            "unit": unit.code,
            "item": item.id,
            "author": author.username,
            "channels": [c.code for c in channels],
            "at": when.isoformat(),
            "held": holds,
        },
    )
    return delivery


# --- answers ---------------------------------------------------------------------------


def decline(
    session: Session, *, delivery: PackageDelivery, actor: User, reason: str
) -> PackageDelivery:
    """The receiving unit will not post the package: its draft is rejected (withdrawn if
    it was approved) and the delivery says why. Only the unit's own people decide; a post
    already out cannot be declined. Not committed."""
    unit = session.get(Unit, delivery.unit_id)
    assert unit is not None
    if actor.role not in review.SUBMITTERS | review.APPROVERS or (
        actor.unit_id != delivery.unit_id and actor.role != Role.admin
    ):
        raise PermissionDenied(
            f"--as: {actor.username} is not an editor or approver of {unit.code}; "
            "only the receiving unit declines a package"
        )
    said = _nfc(reason, "--reason")
    if not said:
        raise ValidationFailed(["--reason: say why the package is declined"])
    if len(said) > review.COMMENT_MAX:
        raise ValidationFailed([f"--reason: {len(said)} characters, at most {review.COMMENT_MAX}"])
    if delivery.state == "declined":
        raise InvalidTransition(
            f"--unit: {unit.code} declined package {delivery.package_id} already"
        )
    item = session.get(ContentItem, delivery.item_id) if delivery.item_id else None
    if item is not None and item.status == ItemStatus.published:
        raise InvalidTransition(
            f"--unit: item {item.id} of {unit.code} is published already; "
            "publish a correction instead"
        )
    if item is not None and item.status in (
        ItemStatus.in_review,
        ItemStatus.approved,
        ItemStatus.scheduled,
    ):
        review.reject(session, item=item, actor=actor, reason=said)
    elif item is not None and item.status != ItemStatus.rejected:  # a draft: nothing is out
        item.status = ItemStatus.rejected
        item.updated_at = utcnow()
        session.add(item)
        session.add(
            ItemComment(
                content_item_id=item.id or 0,
                version=item.version,
                user_id=actor.id or 0,
                kind="reject",
                text=said,
            )
        )
    delivery.state, delivery.reason, delivery.updated_at = "declined", said, utcnow()
    session.add(delivery)
    session.flush()
    audit.record(
        session,
        actor=actor.username,
        action="package.decline",
        entity="package",
        entity_id=delivery.package_id,
        detail={"unit": unit.code, "item": delivery.item_id, "reason": said},
    )
    return delivery


def delivery_state(delivery: PackageDelivery, item: ContentItem | None) -> DeliveryState:
    """Where a delivery stands, read from its draft: approved once its unit approved it,
    published once it is out; declined stays declined."""
    if delivery.state == "declined" or item is None:
        return "declined" if delivery.state == "declined" else "received"
    if item.status == ItemStatus.published:
        return "published"
    if item.status in (ItemStatus.approved, ItemStatus.scheduled):
        return "approved"
    if item.status == ItemStatus.rejected:
        return "rejected"
    return "received"


def find_delivery(session: Session, package: Package, unit_code: str) -> PackageDelivery:
    unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
    if unit is None:
        raise NotFound(f"--unit: no unit {unit_code!r}")
    delivery = session.exec(
        select(PackageDelivery).where(
            PackageDelivery.package_id == package.id, PackageDelivery.unit_id == unit.id
        )
    ).first()
    if delivery is None:
        raise NotFound(f"--unit: package {package.id} was not sent to {unit_code}")
    return delivery


def deliveries(session: Session, *, package: Package) -> list[DeliveryRow]:
    """Per receiving unit (by code): received, approved, published, declined (with the
    reason) or rejected by its own approver."""
    rows = []
    found = session.exec(
        select(PackageDelivery, Unit)
        .join(Unit, col(Unit.id) == PackageDelivery.unit_id)
        .where(PackageDelivery.package_id == package.id)
        .order_by(col(Unit.code))
    ).all()
    for delivery, unit in found:
        item = session.get(ContentItem, delivery.item_id) if delivery.item_id else None
        codes = []
        if item is not None:
            codes = list(
                session.exec(
                    select(Channel.code)
                    .where(col(Channel.id).in_(item.channel_ids))
                    .order_by(col(Channel.code))
                )
            )
        rows.append(
            DeliveryRow(
                unit=unit.code,
                unit_name=unit.name,
                state=delivery_state(delivery, item),
                item_id=item.id if item else None,
                item_status=str(item.status) if item else None,
                channels=codes,
                scheduled_at=item.scheduled_at if item else None,
                reason=delivery.reason,
            )
        )
    return rows
