"""Planned slot → draft: a sourced fact, a rendered card, a caption, and provenance.

A fact with a figure goes on the `fact-number` card, one without on `fact-text`;
Vietnamese captions. The fact is the theme's least recently used valid fact on that
channel; expired figures are never used. Cards render on several threads.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
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


@dataclass(frozen=True)
class CardJob:
    """A card to render: pure inputs, so it can run in another process."""

    spec: TemplateSpec
    values: CardValues
    brand: Brand
    out: Path
    today: dt.date

    def run(self) -> studio.Rendered:
        return studio.card(self.spec, self.values, self.brand, lang="vi", out=self.out,
                           today=self.today)


def render_all(jobs: list[CardJob], workers: int) -> list[studio.Rendered]:
    """Render the cards on `workers` threads: Pillow releases the GIL while it rasterises
    and encodes, so two threads render ~1.8x as many cards per second as one (measured in
    benchmarks/bench_cards.py), with no process start-up and no fork under Prefect."""
    if workers <= 1 or len(jobs) < 2:
        return [job.run() for job in jobs]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(CardJob.run, jobs))


def prepare_slot(
    session: Session, *, slot: Slot, brand: Brand, author: User, media_dir: Path, tz: ZoneInfo
) -> tuple[ContentItem, CardJob, Fact] | None:
    """The draft row for one slot and the card it needs; None if no usable fact."""
    theme = session.get(Theme, slot.theme_id)
    channel = session.get(Channel, slot.channel_id)
    campaign = session.get(Campaign, slot.campaign_id)
    assert theme is not None and channel is not None and campaign is not None
    fact = choose_fact(session, slot=slot, tz=tz)
    if fact is None:
        return None
    spec, values = card_values(theme, fact, brand)
    out = media_dir / "cards" / f"slot{slot.id}-{values.sha256()[:12]}.png"
    template = studio.ensure_template_row(session, spec)
    item = ContentItem(
        slot_id=slot.id,
        campaign_id=campaign.id,
        theme_id=theme.id,
        unit_id=channel.unit_id,
        caption=caption(theme, fact, slot.id or 0),
        channel_ids=[channel.id or 0],
        media_path=str(out),
        alt_text=f"Thẻ thông tin: {fact.text_vi}",
        template_id=template.id,
        fact_ids=[fact.id or 0],
        scheduled_at=slot.scheduled_at,
        author_id=author.id or 0,
    )
    session.add(item)
    session.flush()  # the next slot's fact choice sees this one
    return item, CardJob(spec, values, brand, out, day_of(slot, tz)), fact


def compose_slots(
    session: Session,
    *,
    slots: list[Slot],
    brand: Brand,
    author: User,
    media_dir: Path,
    tz: ZoneInfo,
    workers: int = 1,
) -> tuple[list[Draft], list[str]]:
    """Drafts for the slots: rows first (in order), cards in parallel, then provenance.

    Everything is in the caller's transaction: if a card fails, no draft row stays.
    """
    prepared, skipped = [], []
    for slot in slots:
        found = prepare_slot(session, slot=slot, brand=brand, author=author,
                             media_dir=media_dir, tz=tz)
        if found is None:
            skipped.append(f"slot {slot.id}: theme has no valid sourced fact")
        else:
            prepared.append(found)
    rendered = render_all([job for _, job, _ in prepared], workers)
    drafts = []
    for (item, job, fact), out in zip(prepared, rendered, strict=True):
        studio.record_asset(session, job.spec, out, content_item_id=item.id)
        audit.record(session, actor=author.username, action="item.compose", entity="item",
                     entity_id=item.id, detail={"slot": item.slot_id, "fact": fact.code})
        assert item.id is not None and item.slot_id is not None
        drafts.append(Draft(slot_id=item.slot_id, item_id=item.id, media_path=out.path))
    return drafts, skipped


def compose_slot(
    session: Session, *, slot: Slot, brand: Brand, author: User, media_dir: Path, tz: ZoneInfo
) -> Draft | None:
    """Render and store the draft for one slot; None if the theme has no usable fact."""
    drafts, _ = compose_slots(session, slots=[slot], brand=brand, author=author,
                              media_dir=media_dir, tz=tz)
    return drafts[0] if drafts else None


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
