"""A reader's sample of drafts: N drafts drawn at random (seeded), each with its card,
caption, alt text, what it features and its checks, written as Markdown for people who
judge whether the composer's drafts are ready to approve as written."""

from __future__ import annotations

import random
from pathlib import Path

from sqlmodel import Session, col, select

from phuxanh.media import stored
from phuxanh.media.images import open_image
from phuxanh.models import Channel, ContentItem, Slot, Template, Theme


def drafts_sample(
    session: Session, *, n: int, seed: int, out: Path, tz_name: str = "Asia/Ho_Chi_Minh"
) -> int:
    """Write `out` (Markdown) and the cards as JPEG thumbnails beside it; returns N shown."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(tz_name)
    items = list(
        session.exec(
            select(ContentItem)
            .where(col(ContentItem.slot_id).is_not(None))
            .order_by(col(ContentItem.id))
        )
    )
    chosen = sorted(
        random.Random(seed).sample(items, min(n, len(items))),  # noqa: S311
        key=lambda i: (i.scheduled_at, i.id),
    )
    media_dir = out.parent / (out.stem + "-media")
    media_dir.mkdir(parents=True, exist_ok=True)
    lines = [
        f"# {len(chosen)} drafts as the composer wrote them",
        "",
        f"Drawn at random (seed {seed}) from {len(items)} drafts; nothing below was "
        "edited by hand. Each shows the card, the caption exactly as it would be "
        "posted, the image description (alt text) and the checks it passed.",
        "",
    ]
    for item in chosen:
        slot = session.get(Slot, item.slot_id)
        channel = session.get(Channel, slot.channel_id) if slot else None
        theme = session.get(Theme, item.theme_id) if item.theme_id else None
        template = session.get(Template, item.template_id) if item.template_id else None
        assert slot is not None and channel is not None and theme is not None
        thumb = media_dir / f"draft-{item.id}.jpg"
        media = stored.resolve(item.media_path)
        if media is not None and media.is_file():
            with open_image(media, "media") as card:
                small = card.convert("RGB")
                small.thumbnail((540, 960))
                small.save(thumb, "JPEG", quality=85, optimize=True)
        when = slot.scheduled_at.astimezone(tz)
        checks = (
            "held: " + "; ".join(item.hold_reasons) if item.hold_reasons else "all checks passed"
        )
        lines += [
            f"## #{item.id} · {channel.platform} · {channel.display_name} · {when:%d/%m/%Y %H:%M}",
            "",
            f"Theme **{theme.title_vi}** · features `{item.content_ref}` · template "
            f"`{template.code if template else '-'}` v{template.version if template else '-'}"
            f" · {checks}" + (" · machine-drafted text" if item.machine_drafted else ""),
            "",
            f"![{item.alt_text or ''}]({media_dir.name}/{thumb.name})",
            "",
            "```text",
            item.caption,
            "```",
            "",
            f"*Alt text:* {item.alt_text or '—'}",
            "",
        ]
    out.write_text("\n".join(lines), encoding="utf-8")
    return len(chosen)
