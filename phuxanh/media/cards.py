"""Infographic cards with Pillow. Knows templates, fonts and brands; no platform, no database.

The walking skeleton has one template, `fact-card` (1080×1350): brand band, theme title,
big figure with its unit, the fact, the source line and the footer. Same inputs give the
same bytes (PNG without timestamps).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from PIL import Image, ImageDraw

from phuxanh.errors import ConfigError
from phuxanh.media.text import FittedText, fit_text, nfc

TEMPLATE_CODE = "fact-card"
TEMPLATE_VERSION = 1
SIZE = (1080, 1350)
MARGIN = 84


@dataclass(frozen=True)
class Brand:
    code: str
    name: dict[str, str]
    colors: dict[str, str]
    footer: dict[str, str]
    fonts: dict[str, Path]


@dataclass(frozen=True)
class CardInput:
    """Everything a card shows. `source` is required: an uncited fact is never drawn."""

    theme_title: str
    text: str
    source: str
    figure: str | None = None
    unit: str | None = None
    lang: str = "vi"

    def sha256(self) -> str:
        blob = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(nfc(blob).encode()).hexdigest()


def load_brand(assets_dir: Path, code: str) -> Brand:
    path = assets_dir / "brands" / f"{code}.yaml"
    if not path.is_file():
        raise ConfigError(f"{path}: brand kit {code!r} not found")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fonts = {k: assets_dir / "fonts" / v for k, v in data["fonts"].items()}
    for role, font in fonts.items():
        if not font.is_file():
            raise ConfigError(f"{path}: fonts.{role}: {font} does not exist")
    return Brand(
        code=data["code"],
        name={"vi": data["name"], "en": data.get("name_en", data["name"])},
        colors=data["colors"],
        footer=data["footer"],
        fonts=fonts,
    )


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


@lru_cache(maxsize=8)
def _background(top: str, bottom: str, size: tuple[int, int]) -> Image.Image:
    """A vertical gradient, made once per colour pair (kept, never redrawn per card)."""
    mask = Image.linear_gradient("L").resize(size)
    return Image.composite(
        Image.new("RGB", size, _rgb(bottom)), Image.new("RGB", size, _rgb(top)), mask
    )


def _draw_block(draw: ImageDraw.ImageDraw, fitted: FittedText, x: int, y: int, fill: str) -> int:
    for line in fitted.lines:
        draw.text((x, y), line, font=fitted.font, fill=fill)
        y += fitted.line_height
    return y


def render_fact_card(card: CardInput, brand: Brand) -> bytes:
    """Compose and encode one card as PNG bytes."""
    width, height = SIZE
    inner = width - 2 * MARGIN
    img = _background(brand.colors["primary"], brand.colors["secondary"], SIZE).copy()
    draw = ImageDraw.Draw(img)
    colors = brand.colors

    draw.rectangle((0, 0, width, 12), fill=colors["accent"])
    header = fit_text(
        brand.name[card.lang].upper(),
        brand.fonts["body"],
        field="brand.name",
        width=inner,
        height=40,
        max_size=30,
        min_size=22,
        max_lines=1,
    )
    y = _draw_block(draw, header, MARGIN, 64, colors["muted"])
    title = fit_text(
        card.theme_title,
        brand.fonts["heading"],
        field="theme_title",
        width=inner,
        height=150,
        max_size=52,
        min_size=36,
        max_lines=3,
        leading=1.2,
    )
    y = _draw_block(draw, title, MARGIN, y + 24, colors["text"])
    draw.rectangle((MARGIN, y + 28, MARGIN + 120, y + 36), fill=colors["accent"])
    y += 80

    if card.figure:
        figure = fit_text(
            card.figure,
            brand.fonts["heading"],
            field="figure",
            width=inner,
            height=250,
            max_size=220,
            min_size=72,
            max_lines=1,
            leading=1.1,
        )
        y = _draw_block(draw, figure, MARGIN - 6, y, colors["accent"]) + 24
        if card.unit:
            unit = fit_text(
                card.unit,
                brand.fonts["body"],
                field="unit",
                width=inner,
                height=100,
                max_size=44,
                min_size=30,
                max_lines=2,
            )
            y = _draw_block(draw, unit, MARGIN, y + 4, colors["text"])
        y += 40

    source_box = fit_text(
        card.source,
        brand.fonts["small"],
        field="source",
        width=inner,
        height=110,
        max_size=28,
        min_size=20,
        max_lines=3,
        leading=1.3,
    )
    footer_top = height - 150
    source_top = footer_top - source_box.height - 36
    body = fit_text(
        card.text,
        brand.fonts["body"],
        field="text",
        width=inner,
        height=max(source_top - y - 30, 60),
        max_size=54,
        min_size=30,
        max_lines=9,
    )
    _draw_block(draw, body, MARGIN, y, colors["text"])

    draw.line(
        (MARGIN, source_top - 18, width - MARGIN, source_top - 18), fill=colors["muted"], width=2
    )
    _draw_block(draw, source_box, MARGIN, source_top, colors["muted"])

    draw.rectangle((0, footer_top, width, height), fill=colors["primary"])
    footer = fit_text(
        brand.footer[card.lang],
        brand.fonts["small"],
        field="brand.footer",
        width=inner,
        height=80,
        max_size=28,
        min_size=20,
        max_lines=2,
    )
    _draw_block(draw, footer, MARGIN, footer_top + (150 - footer.height) // 2, colors["muted"])

    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False, compress_level=1)
    return out.getvalue()


def source_line(*, title: str, number: str | None, url: str | None, lang: str) -> str:
    label = "Nguồn" if lang == "vi" else "Source"
    ref = number or url or ""
    shown = title if not ref or ref in title else f"{title} ({ref})"
    return f"{label}: {shown}"
