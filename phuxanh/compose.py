"""Planned slot → draft: a sourced fact, a rendered card, a caption, and provenance.

Walking-skeleton composer: one template (`fact-card`), Vietnamese captions. The fact is
the theme's least recently used valid fact on that channel; expired figures are never used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from phuxanh import audit
from phuxanh.media.cards import (
    SIZE,
    TEMPLATE_CODE,
    TEMPLATE_VERSION,
    Brand,
    CardInput,
    render_fact_card,
    source_line,
)
from phuxanh.models import (
    Asset,
    Campaign,
    Channel,
    ContentItem,
    Fact,
    Slot,
    Template,
    Theme,
    User,
)


@dataclass(frozen=True)
class Draft:
    slot_id: int
    item_id: int
    media_path: Path


def ensure_template(session: Session) -> Template:
    spec = json.dumps({"code": TEMPLATE_CODE, "version": TEMPLATE_VERSION, "size": SIZE})
    row = session.exec(
        select(Template).where(Template.code == TEMPLATE_CODE, Template.version == TEMPLATE_VERSION)
    ).first()
    if row is None:
        row = Template(
            code=TEMPLATE_CODE,
            version=TEMPLATE_VERSION,
            kind="card",
            width=SIZE[0],
            height=SIZE[1],
            spec_sha256=hashlib.sha256(spec.encode()).hexdigest(),
        )
        session.add(row)
        session.flush()
    return row


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
    card = CardInput(
        theme_title=theme.title_vi,
        text=fact.text_vi,
        figure=fact.figure,
        unit=fact.unit_vi,
        source=source_line(
            title=fact.source_title, number=fact.source_number, url=fact.source_url, lang="vi"
        ),
    )
    png = render_fact_card(card, brand)
    digest = hashlib.sha256(png).hexdigest()
    path = media_dir / "cards" / f"slot{slot.id}-{digest[:12]}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(png)
    tmp.replace(path)  # never a half-written file under the final name
    template = ensure_template(session)
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
    session.add(
        Asset(
            content_item_id=item.id,
            path=str(path),
            sha256=digest,
            template_code=TEMPLATE_CODE,
            template_version=TEMPLATE_VERSION,
            input_sha256=card.sha256(),
            fact_ids=[fact.id or 0],
        )
    )
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
