"""A contact sheet: every card template rendered with its sample data, side by side.

Offices use it to see their brand kit on every template before a campaign; the project
keeps one in `docs/` (`phuxanh template sheet -o docs/templates-vi.jpg`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PIL import Image, ImageDraw

from phuxanh.core.errors import ValidationFailed
from phuxanh.media.cards import Brand
from phuxanh.media.inputs import computed, load_values
from phuxanh.media.render import compose
from phuxanh.media.templates import list_templates
from phuxanh.media.text import load_font

ROW_HEIGHT = 640
GAP = 24
LABEL = 44


def contact_sheet(
    assets_dir: Path,
    samples_dir: Path,
    brand: Brand,
    *,
    lang: str,
    today: dt.date,
    per_row: int = 4,
) -> Image.Image:
    tiles: list[tuple[str, Image.Image]] = []
    for spec in list_templates(assets_dir):
        if spec.kind != "card":
            continue
        data = samples_dir / f"{spec.id}.yaml"
        if not data.is_file():
            raise ValidationFailed([f"{data}: no sample data for template {spec.id}"])
        langs = {lang} | ({"vi", "en"} if spec.id == "bilingual" else set())
        values = load_values(spec, data, langs=langs)
        card = compose(spec, values, brand, lang=lang, extra=computed(spec, values, today))
        scale = ROW_HEIGHT / card.height
        if card.width * scale > ROW_HEIGHT * 1.25:  # wide link cards: fit a wider cell
            scale = ROW_HEIGHT * 1.25 / card.width
        size = (round(card.width * scale), round(card.height * scale))
        tiles.append(
            (f"{spec.id} · {card.width}×{card.height}", card.resize(size, Image.Resampling.LANCZOS))
        )
    rows = [tiles[i : i + per_row] for i in range(0, len(tiles), per_row)]
    width = max(sum(t.width for _, t in row) + GAP * (len(row) + 1) for row in rows)
    height = len(rows) * (ROW_HEIGHT + LABEL + GAP) + GAP
    sheet = Image.new("RGB", (width, height), (244, 246, 248))
    draw = ImageDraw.Draw(sheet)
    font = load_font(str(brand.fonts["body"]), 24)
    y = GAP
    for row in rows:
        x = GAP
        for label, tile in row:
            sheet.paste(tile, (x, y + (ROW_HEIGHT - tile.height) // 2))
            draw.text((x, y + ROW_HEIGHT + 8), label, font=font, fill=(40, 48, 60))
            x += tile.width + GAP
        y += ROW_HEIGHT + LABEL + GAP
    return sheet
