"""Planned slot → draft: a sourced fact, a rendered card, a caption, and provenance.

Walking-skeleton composer: one template (`fact-card`), Vietnamese captions. The fact is
the theme's least recently used valid fact on that channel; expired figures are never used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from phuxanh import audit, studio
from phuxanh.media.cards import Brand, fact_text, source_line
from phuxanh.media.inputs import CardValues, check_values
from phuxanh.media.templates import TemplateSpec, load_template
from phuxanh.models import (
    Campaign,
    Channel,
    ContentItem,
    Fact,
    Slot,
    Theme,
    User,
)

FIGURE_TEMPLATE, TEXT_TEMPLATE = "fact-number", "fact-text"


def card_values(theme: Theme, fact: Fact, brand: Brand) -> tuple[TemplateSpec, CardValues]:
    """The card for a fact: a big-number card when it has a figure, else a text card."""
    ft = fact_text(fact)
    raw: dict[str, object] = {
        "title": {"vi": theme.title_vi, "en": theme.title_en},
        "text": ft.text,
        "source": ft.source,
    }
    if fact.figure:
        raw |= {"figure": fact.figure, "unit": ft.unit or None}
    spec = load_template(brand.assets_dir, FIGURE_TEMPLATE if fact.figure else TEXT_TEMPLATE)
    values = check_values(spec, raw, langs={"vi"}, base_dir=brand.assets_dir,
                          where=lambda _name: f"fact {fact.code}")
    values.fact_ids = [fact.id or 0]
    return spec, values


@dataclass(frozen=True)
class Draft:
    slot_id: int
    item_id: int
    media_path: Path


def day_of(slot: Slot, tz: ZoneInfo) -> dt.date:
    return slot.scheduled_at.astimezone(tz).date()


def choose_fact(session: Session, *, slot: Slot, tz: ZoneInfo) -> Fact | None:
    """The theme's valid fact used longest ago (or never) on this channel."""
    day = slot.scheduled_at.astimezone(tz).date()
    facts = [
        f
        for f in session.exec(
            select(Fact).where(Fact.theme_id == slot.theme_id).order_by(col(Fact.code))
        )
        if f.is_sourced and (f.valid_until is None or f.valid_until >= day)
    ]
    if not facts:
        return None
    last_used: dict[int, dt.datetime] = {}
    rows = session.exec(
        select(ContentItem.fact_ids, Slot.scheduled_at)
        .join(Slot, col(Slot.id) == col(ContentItem.slot_id))
        .where(Slot.channel_id == slot.channel_id)
    )
    for fact_ids, when in rows:
        for fid in fact_ids:
            last_used[fid] = max(when, last_used.get(fid, when))
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    return min(facts, key=lambda f: (last_used.get(f.id or 0, never), f.code))


def caption(theme: Theme, fact: Fact, message_index: int) -> str:
    message = theme.key_messages[message_index % len(theme.key_messages)]["vi"]
    credit = source_line(
        title=fact.source_title, number=fact.source_number, url=fact.source_url, lang="vi"
    )
    tags = " ".join(dict.fromkeys(theme.hashtags))
    return f"{message}\n\n{fact.text_vi}\n{credit}\n\n{tags}"


def compose_slot(
    session: Session, *, slot: Slot, brand: Brand, author: User, media_dir: Path, tz: ZoneInfo
) -> Draft | None:
    """Render and store the draft for one slot; None if the theme has no usable fact."""
    theme = session.get(Theme, slot.theme_id)
    channel = session.get(Channel, slot.channel_id)
    campaign = session.get(Campaign, slot.campaign_id)
    assert theme is not None and channel is not None and campaign is not None
    fact = choose_fact(session, slot=slot, tz=tz)
    if fact is None:
        return None
    spec, values = card_values(theme, fact, brand)
    out = media_dir / "cards" / f"slot{slot.id}-{values.sha256()[:12]}.png"
    rendered = studio.card(spec, values, brand, lang="vi", out=out, today=day_of(slot, tz))
    path = rendered.path
    template = studio.ensure_template_row(session, spec)
    item = ContentItem(
        slot_id=slot.id,
        campaign_id=campaign.id,
        theme_id=theme.id,
        unit_id=channel.unit_id,
        caption=caption(theme, fact, slot.id or 0),
        channel_ids=[channel.id or 0],
        media_path=str(path),
        alt_text=f"Thẻ thông tin: {fact.text_vi}",
        template_id=template.id,
        fact_ids=[fact.id or 0],
        scheduled_at=slot.scheduled_at,
        author_id=author.id or 0,
    )
    session.add(item)
    session.flush()
    studio.record_asset(session, spec, rendered, content_item_id=item.id)
    audit.record(
        session,
        actor=author.username,
        action="item.compose",
        entity="item",
        entity_id=item.id,
        detail={"slot": slot.id, "fact": fact.code},
    )
    assert item.id is not None and slot.id is not None
    return Draft(slot_id=slot.id, item_id=item.id, media_path=path)


def slots_without_content(
    session: Session, *, campaign_id: int | None = None, until: dt.datetime | None = None
) -> list[Slot]:
    query = select(Slot).where(
        col(Slot.id).not_in(
            select(ContentItem.slot_id).where(col(ContentItem.slot_id).is_not(None))
        )
    )
    if campaign_id is not None:
        query = query.where(Slot.campaign_id == campaign_id)
    if until is not None:
        query = query.where(Slot.scheduled_at <= until)
    return list(session.exec(query.order_by(col(Slot.scheduled_at), col(Slot.id))))
