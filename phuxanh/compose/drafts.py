"""Planned slot → draft worth approving: what it features (`features`), the card for it,
the caption written for the channel's platform and languages (`captions`), alt text, the
link with UTM parameters, quality checks (`quality`), and provenance.

Every draft links back to its slot, theme, facts and template version. Cards render on
several threads; everything else happens in the caller's transaction, so a failed card
leaves no draft behind.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from phuxanh import quality, review
from phuxanh.catalog.languages import CATALOG
from phuxanh.compose import captions, studio
from phuxanh.compose.assistant import Assistant
from phuxanh.compose.card_values import CardPlan, NoText, card_for
from phuxanh.compose.features import Feature, choose
from phuxanh.core import audit
from phuxanh.core.errors import ValidationFailed
from phuxanh.media import stored
from phuxanh.media.cards import Brand
from phuxanh.media.inputs import CardValues
from phuxanh.media.templates import TemplateSpec
from phuxanh.models import Campaign, Channel, ContentItem, Slot, Theme, User
from phuxanh.planning.campaign import CampaignSpec


@dataclass(frozen=True)
class Draft:
    slot_id: int
    item_id: int
    media_path: Path


@dataclass(frozen=True)
class CardJob:
    """A card to render: pure inputs, safe to run on another thread."""

    spec: TemplateSpec
    values: CardValues
    brand: Brand
    out: Path
    today: dt.date

    clip_preset: str | None = None  # set: a clip (ffmpeg uses the cores itself)
    lang: str = "vi"  # the card's language: the channel's first

    def run(self) -> studio.Rendered:
        if self.clip_preset is not None:
            return studio.clip(
                self.spec,
                self.values,
                self.brand,
                lang=self.lang,
                out=self.out,
                preset=self.clip_preset,
            )
        return studio.card(
            self.spec, self.values, self.brand, lang=self.lang, out=self.out, today=self.today
        )


def render_all(jobs: list[CardJob], workers: int) -> list[studio.Rendered]:
    """Render the cards on `workers` threads: Pillow releases the GIL while it rasterises
    and encodes, so two threads render ~1.8x as many cards per second as one (measured in
    benchmarks/bench_cards.py), with no process start-up and no fork under Prefect.
    Clips render one at a time (x264 already uses every core)."""
    cards = [j for j in jobs if j.clip_preset is None]
    done: dict[int, studio.Rendered] = {}
    if workers <= 1 or len(cards) < 2:
        done |= {id(j): j.run() for j in cards}
    else:
        with ThreadPoolExecutor(workers) as pool:
            done |= dict(zip(map(id, cards), pool.map(CardJob.run, cards), strict=True))
    done |= {id(j): j.run() for j in jobs if j.clip_preset is not None}
    return [done[id(j)] for j in jobs]


@dataclass
class Context:
    """What composing a campaign's slots needs besides the slot."""

    brand: Brand
    author: User
    media_dir: Path
    tz: ZoneInfo
    spec: CampaignSpec | None = None
    assistant: Assistant | None = None
    clip_preset: str = "medium"
    notes: list[str] = field(default_factory=list)


def _link(ctx: Context, theme: Theme, channel: Channel, campaign: Campaign) -> str | None:
    links = ctx.spec.compose.links if ctx.spec else {}
    url = links.get(theme.code) or links.get("default")
    if not url:
        return None
    return captions.utm(url, campaign=campaign.code, theme=theme.code, channel=channel.code)


def _fill_translations(ctx: Context, card: CardPlan, holds: list[str]) -> bool:
    """Ask the assistant for a missing English (from the Vietnamese); True when it supplied
    it. Any other language is used only once a person has reviewed it: its lack holds."""
    parts, missing = card.parts, card.missing
    if not missing:
        return False
    vi = next((p for p in parts if p.lang == "vi"), None)
    if ctx.assistant is None or card.missing_langs != ["en"] or vi is None:
        holds += missing
        return False
    from phuxanh.compose.assistant import AssistantUnavailable

    try:
        body = ctx.assistant.translate(vi.body, target="en")
        lead = ctx.assistant.translate(vi.lead, target="en") if vi.lead else ""
    except AssistantUnavailable as exc:
        holds += missing
        ctx.notes.append(str(exc))
        return False
    parts.append(
        captions.Part("en", lead, body, vi.credit and vi.credit.replace("Nguồn:", "Source:", 1))
    )
    return True


def prepare_slot(
    session: Session, *, slot: Slot, ctx: Context
) -> tuple[ContentItem, CardJob, Feature] | str:
    """The draft row for one slot and the card it needs, or why there is none."""
    theme = session.get(Theme, slot.theme_id)
    channel = session.get(Channel, slot.channel_id)
    campaign = session.get(Campaign, slot.campaign_id)
    assert theme is not None and channel is not None and campaign is not None
    langs = list(dict.fromkeys(channel.languages or ["vi"]))
    link = _link(ctx, theme, channel, campaign)
    # each of the channel's languages' own hashtags, then the shared ones that suit it
    tags = captions.for_channel(theme.hashtags, theme.lang_hashtags or {}, langs, channel.platform)
    untranslated: list[str] = []
    compose_spec = ctx.spec.compose if ctx.spec else None
    freshness = compose_spec.freshness_days if compose_spec else 14
    countdowns = compose_spec.countdown_days if compose_spec else [30, 14, 7, 3, 1]
    excluded: list[str] = []
    first: tuple[Feature, CardPlan, captions.Caption, bool, list[str]] | None = None
    while True:
        feature = choose(
            session,
            slot=slot,
            theme=theme,
            tz=ctx.tz,
            freshness_days=freshness,
            countdown_days=countdowns,
            bilingual={"vi", "en"} <= set(langs),
            exclude=excluded,
            countdowns=all(lang in CATALOG for lang in langs),
        )
        if feature is None:
            if first is not None:
                break  # nothing fits the platform: the first choice, held with the reason
            if untranslated:  # never the Vietnamese instead: the slot waits for a translation
                return _untranslated(slot, channel, theme, langs[0], untranslated)
            return f"slot {slot.id}: theme {theme.code} has nothing fresh for {channel.code}"
        try:
            card = card_for(
                session,
                feature,
                theme=theme,
                brand=ctx.brand,
                langs=langs,
                day=slot.scheduled_at.astimezone(ctx.tz).date(),
                clip=slot.format == "clip",
            )
        except NoText as exc:  # nothing in the channel's first language: another feature
            excluded.append(feature.ref)
            untranslated += exc.problems
            continue
        except ValidationFailed as exc:  # e.g. a message longer than the quote card holds
            excluded.append(feature.ref)
            ctx.notes.append(f"slot {slot.id}: {feature.ref} does not fit: {exc}")
            continue
        text, machine, holds = _written(ctx, card, feature, channel.platform, tags, link)
        if first is None:
            first = (feature, card, text, machine, holds)
        if not text.problems and len(holds) == len(card.holds):
            first = (feature, card, text, machine, holds)
            break
        # too long for this platform, or a language lacking: try the next candidate
        excluded.append(feature.ref)
    feature, card, text, machine, holds = first
    holds += quality.check(
        caption_vi=_vietnamese_part(channel.platform, card.parts, text.text),
        captions={channel.platform: text.text},
        names=[*theme.slogans, theme.title_vi],
        unsourced=card.unsourced,
        has_media=True,
    )
    is_clip = slot.format == "clip"
    out = media_out(ctx.media_dir, f"slot{slot.id}", card.values, clip=is_clip)
    template = studio.ensure_template_row(session, card.spec)
    item = ContentItem(
        slot_id=slot.id,
        campaign_id=campaign.id,
        theme_id=theme.id,
        unit_id=channel.unit_id,
        language=card.lang,
        caption=text.text,
        channel_ids=[channel.id or 0],
        link=link,
        media_path=stored.to_stored(out),
        alt_text=card.alt_text,
        template_id=template.id,
        fact_ids=card.values.fact_ids,
        scheduled_at=slot.scheduled_at,
        author_id=ctx.author.id or 0,
        content_ref=feature.ref,
        hold_reasons=list(dict.fromkeys(holds)),
        machine_drafted=machine,
    )
    session.add(item)
    session.flush()  # the next slot's choice sees this one
    job = CardJob(
        card.spec,
        card.values,
        ctx.brand,
        out,
        slot.scheduled_at.astimezone(ctx.tz).date(),
        clip_preset=ctx.clip_preset if is_clip else None,
        lang=card.lang,
    )
    return item, job, feature


def _written(
    ctx: Context,
    card: CardPlan,
    feature: Feature,
    platform: str,
    tags: list[str],
    link: str | None,
) -> tuple[captions.Caption, bool, list[str]]:
    """The caption for `card` on `platform`, whether the assistant wrote part of it, and
    what holds it so far (a language lacking)."""
    holds = list(card.holds)
    machine = _fill_translations(ctx, card, holds)
    text = captions.write(
        platform, card.parts, tags, link, keep_lead=feature.template == "countdown"
    )
    if text.problems and ctx.assistant is not None:
        variant = _variant(ctx, text, platform)
        if variant is not None:
            text, machine = variant, True
    return text, machine, holds


def _untranslated(
    slot: Slot, channel: Channel, theme: Theme, lang: str, problems: list[str]
) -> str:
    """Why a slot has no draft: nothing of its theme is written in the channel's first
    language (the first lack named, with the command that helps)."""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return (
        f"slot {slot.id}: {channel.code} is in {lang} and theme {theme.code} has nothing "
        f"fresh with {lang} text: {problems[0]}{more}"
    )


def _vietnamese_part(platform: str, parts: list[captions.Part], text: str) -> str:
    """The Vietnamese of a caption, where the catalog's names are checked ("Hai Phong" is
    right in English): the caption itself when Vietnamese leads it, else none."""
    if parts and parts[0].lang == "vi":
        return text
    return (
        ""
        if not any(p.lang == "vi" for p in parts)
        else (captions.write(platform, [p for p in parts if p.lang == "vi"], [], None).text)
    )


def media_out(media_dir: Path, stem: str, values: CardValues, *, clip: bool) -> Path:
    """Where a card or clip drawn from `values` is written: named by what it shows, so a
    card drawn again from other values never overwrites one an approval has bound."""
    kind, suffix = ("clips", "mp4") if clip else ("cards", "png")
    return media_dir / kind / f"{stem}-{values.sha256()[:12]}.{suffix}"


def _variant(ctx: Context, text: captions.Caption, platform: str) -> captions.Caption | None:
    """The assistant's variant of a caption that breaks a platform limit, if it fits; it
    still goes through the quality checks and a person's approval like any text."""
    from phuxanh.compose.assistant import AssistantUnavailable
    from phuxanh.platforms.preview import LIMITS, preview

    assert ctx.assistant is not None
    try:
        proposed = ctx.assistant.caption_variant(
            text.text,
            platform=platform,
            limit=LIMITS[platform].max_chars if platform in LIMITS else None,
        )
    except AssistantUnavailable as exc:
        ctx.notes.append(str(exc))
        return None
    shown = preview(platform, proposed)
    if not shown.ok:
        ctx.notes.append(f"assistant: its {platform} variant still breaks a limit")
        return None
    return captions.Caption(shown.text, [])


def compose_slots(
    session: Session, *, slots: list[Slot], ctx: Context, workers: int = 1
) -> tuple[list[Draft], list[str]]:
    """Drafts for the slots: rows first (in order), cards in parallel, then provenance."""
    prepared, skipped = [], []
    for slot in slots:
        found = prepare_slot(session, slot=slot, ctx=ctx)
        if isinstance(found, str):
            skipped.append(found)
        else:
            prepared.append(found)
    rendered = render_all([job for _, job, _ in prepared], workers)
    drafts = []
    for (item, job, feature), out in zip(prepared, rendered, strict=True):
        studio.record_asset(session, job.spec, out, content_item_id=item.id)
        review.record_version(
            session, item, editor_id=ctx.author.id or 0, card_values=job.values.values
        )
        audit.record(
            session,
            actor=ctx.author.username,
            action="item.compose",
            entity="item",
            entity_id=item.id,
            detail={
                "slot": item.slot_id,
                "features": feature.ref,
                "template": job.spec.id,
                "held": item.hold_reasons,
            },
        )
        assert item.id is not None and item.slot_id is not None
        drafts.append(Draft(slot_id=item.slot_id, item_id=item.id, media_path=out.path))
    return drafts, skipped


def slots_without_content(
    session: Session,
    *,
    campaign_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[Slot]:
    query = select(Slot).where(
        col(Slot.id).not_in(
            select(ContentItem.slot_id).where(col(ContentItem.slot_id).is_not(None))
        )
    )
    if campaign_id is not None:
        query = query.where(Slot.campaign_id == campaign_id)
    if since is not None:
        query = query.where(Slot.scheduled_at >= since)
    if until is not None:
        query = query.where(Slot.scheduled_at <= until)
    return list(session.exec(query.order_by(col(Slot.scheduled_at), col(Slot.id))))
