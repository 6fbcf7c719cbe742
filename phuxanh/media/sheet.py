"""A contact sheet: every card template rendered with its sample data, side by side.

Offices use it to see their brand kit on every template before a campaign; the project
keeps one per content language in `docs/` (`docs/templates-{vi,en,zh,ko,ja}.jpg`), made by

    .venv/bin/python -m phuxanh.media.sheet [--brand CODE] [OUT_DIR]

(`phuxanh template sheet -o FILE --lang L` makes one sheet). Sample data per language is in
`content/samples/TEMPLATE.yaml`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw

from phuxanh.core.errors import PhuxanhError, ValidationFailed
from phuxanh.media.cards import Brand, load_brand
from phuxanh.media.inputs import computed, load_values
from phuxanh.media.render import compose
from phuxanh.media.templates import TextLayer, list_templates, template_dir
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
    show_refusals: bool = False,
) -> Image.Image:
    """Every card template in `lang`. A template that cannot be drawn in `lang` (no sample
    text in that language, a glyph the font lacks) stops the sheet, or with `show_refusals`
    gets a grey tile that says why, in place of the card (never a card in another language)."""
    tiles: list[tuple[str, Image.Image]] = []
    for spec in list_templates(assets_dir):
        if spec.kind != "card":
            continue
        data = samples_dir / f"{spec.id}.yaml"
        try:
            if not data.is_file():
                raise ValidationFailed([f"{data}: no sample data for template {spec.id}"])
            fixed = sorted({t.lang for t in spec.layers if isinstance(t, TextLayer) and t.lang})
            if fixed and lang not in fixed:
                raise ValidationFailed(
                    [
                        f"{template_dir(assets_dir) / spec.id}.yaml: a card in "
                        f"{' and '.join(fixed)} (its text layers name those languages): "
                        f"it has no {lang} form"
                    ]
                )
            langs = {lang} | set(fixed)
            values = load_values(spec, data, langs=langs)
            card = compose(spec, values, brand, lang=lang, extra=computed(spec, values, today))
        except PhuxanhError as exc:
            if not show_refusals:
                raise
            tiles.append((f"{spec.id} · not drawn in {lang}", _refusal(str(exc), brand)))
            continue
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


def _refusal(reason: str, brand: Brand) -> Image.Image:
    tile = Image.new("RGB", (ROW_HEIGHT * 4 // 5, ROW_HEIGHT), (214, 219, 226))
    draw = ImageDraw.Draw(tile)
    font = load_font(str(brand.fonts["small"]), 18)
    lines = [w for line in reason.splitlines() for w in textwrap.wrap(line, 46)]
    draw.multiline_text((20, 24), "\n".join(lines[:26]), font=font, fill=(90, 20, 20))
    return tile


# The content languages the project's sheets show (the order of the files in docs/).
SHEET_LANGS = ("vi", "en", "zh", "ko", "ja")


def main(argv: list[str] | None = None) -> None:
    root = Path(__file__).resolve().parents[2]
    parser = argparse.ArgumentParser(prog="python -m phuxanh.media.sheet", description=__doc__)
    parser.add_argument("out_dir", nargs="?", type=Path, default=Path("docs"))
    parser.add_argument("--brand", default="ttdn-haiphong")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 2, 13))
    args = parser.parse_args(argv)
    os.chdir(root)  # file names in the sheets relative to the repository
    brand = load_brand(Path("assets"), args.brand)
    for lang in SHEET_LANGS:
        sheet = contact_sheet(
            Path("assets"),
            Path("content") / "samples",
            brand,
            lang=lang,
            today=args.today,
            show_refusals=True,
        )
        out = args.out_dir / f"templates-{lang}.jpg"
        sheet.save(out, format="JPEG", quality=88, optimize=True)
        print(f"{out}: {sheet.width}x{sheet.height}")


if __name__ == "__main__":
    main()
