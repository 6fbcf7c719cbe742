"""Draw a template's layers with Pillow. Pure: template + values + brand in, image out.

Speed comes from not redoing work: the leading layers that use no field (background,
bands, logo, fixed text) are drawn once per template, brand and language and kept; fonts,
fitted text, gradients and the scaled logo are cached. Same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from phuxanh.core.errors import ConfigError, ValidationFailed
from phuxanh.media import icons
from phuxanh.media.cards import SOURCE_LABEL, Brand, brand_face, brand_text
from phuxanh.media.images import open_image
from phuxanh.media.inputs import CardValues
from phuxanh.media.templates import (
    PLACEHOLDER,
    Background,
    Footer,
    ListLayer,
    Logo,
    NumberLayer,
    Rect,
    SourceLayer,
    TemplateSpec,
    TextLayer,
)
from phuxanh.media.text import (
    Face,
    FittedText,
    fit_rows,
    fit_text,
    load_font,
    per_thread_cache,
)

# Dates as each language writes them.
DATE_FORMAT = {"zh": "%Y年%-m月%-d日", "ja": "%Y年%-m月%-d日", "ko": "%Y년 %-m월 %-d일"}


def rgb(brand: Brand, name: str) -> tuple[int, int, int]:
    value = brand.colors.get(name, name)
    if not (value.startswith("#") and len(value) == 7):
        raise ConfigError(f"colour {name!r} is neither a brand colour nor #RRGGBB")
    h = value[1:]
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def font_path(brand: Brand, name: str, lang: str = "vi") -> Face:
    """The font a template names (a role or a file in assets/fonts) for text in `lang`:
    a role takes the fonts-by-language data first (`cards.brand_face`), else the kit's."""
    if name in brand.fonts:
        return brand_face(brand, name, lang) or Face(brand.fonts[name])
    path = brand.assets_dir / "fonts" / name
    if not path.is_file():
        raise ConfigError(f"font {name!r} is neither a brand font role nor a file in assets/fonts")
    return Face(path)


def display(value: Any, lang: str) -> str:
    """Numbers with the language's separators, ISO dates as dd/mm/yyyy, text as it is."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        text = f"{value:,}"
        return text.replace(",", ".") if lang == "vi" else text
    if isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
        return text.translate(str.maketrans(",.", ".,")) if lang == "vi" else text
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value).strftime(DATE_FORMAT.get(lang, "%d/%m/%Y"))
        except ValueError:
            return value
    return str(value)


class Context:
    """One card being drawn: brand, language and the values (fields plus computed ones)."""

    def __init__(self, brand: Brand, lang: str, values: CardValues, extra: dict[str, Any]):
        self.brand, self.lang, self.values, self.extra = brand, lang, values, extra

    def value(self, name: str, lang: str | None = None) -> Any:
        if name in self.extra:
            return self.extra[name]
        return self.values.get(name, lang or self.lang)

    def fill(self, template: str, lang: str | None = None) -> str:
        lang = lang or self.lang

        def sub(match: Any) -> str:
            key: str = match.group(1)
            if key == "brand.name":
                return brand_text(self.brand, "name", lang)
            if key == "brand.footer":
                return brand_text(self.brand, "footer", lang)
            value = self.value(key, lang)
            return "" if value is None else display(value, lang)

        return PLACEHOLDER.sub(sub, template)


def _localised(text: str | dict[str, str], lang: str, where: str) -> str:
    if isinstance(text, str):
        return text
    if lang not in text:
        raise ConfigError(f"{where}: no {lang!r} text in the template")
    return text[lang]


def is_static(layer: Any) -> bool:
    """True when a layer draws the same thing for every card (no field, no image)."""
    if isinstance(layer, Background):
        return layer.style != "image"
    if isinstance(layer, Rect | Logo | Footer):
        return True
    if isinstance(layer, TextLayer) and layer.text is not None:
        texts = layer.text.values() if isinstance(layer.text, dict) else [layer.text]
        return all(m.startswith("brand.") for t in texts for m in PLACEHOLDER.findall(t))
    return False


@lru_cache(maxsize=16)
def gradient(
    top: tuple[int, int, int], bottom: tuple[int, int, int], size: tuple[int, int], direction: str
) -> Image.Image:
    w, h = size
    if direction == "diagonal":
        diag = np.arange(w)[None, :] / max(w - 1, 1) + np.arange(h)[:, None] / max(h - 1, 1)
        mask = Image.fromarray((diag * 127.5).astype(np.uint8))
        return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)
    ramp = Image.linear_gradient("L")
    if direction == "horizontal":
        ramp = ramp.rotate(90)
    mask = ramp.resize(size, Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def cover(img: Image.Image, size: tuple[int, int], focal: tuple[float, float]) -> Image.Image:
    """Scale to cover `size` and crop around the focal point (fractions of width, height)."""
    img.draft("RGB", (size[0], size[1]))  # JPEG: decode at a reduced scale when it can
    img = ImageOps.exif_transpose(img).convert("RGB")
    scale = max(size[0] / img.width, size[1] / img.height)
    w, h = size[0] / scale, size[1] / scale
    left = min(max(focal[0] * img.width - w / 2, 0), img.width - w)
    top = min(max(focal[1] * img.height - h / 2, 0), img.height - h)
    box = (left, top, left + w, top + h)
    return img.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=2.0)


@per_thread_cache(maxsize=512)
def line_mask(text: str, path: str, size: int, index: int = 0) -> tuple[Image.Image, int, int]:
    """One line of text rasterised once as an 8-bit mask, with its offset from the pen.

    Headers, titles, source lines and footers repeat from card to card; rasterising the
    glyphs is most of a card's cost, so each distinct line is drawn once and then pasted.
    """
    font = load_font(path, size, index)
    left, top, right, bottom = (int(v) for v in font.getbbox(text))
    mask = Image.new("L", (max(right - left, 1), max(bottom - top, 1)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, font=font, fill=255)
    return mask, left, top


def _lines(
    img: Image.Image,
    fitted: FittedText,
    box: tuple[int, int, int, int],
    colour: tuple[int, int, int],
    align: str,
    valign: str = "top",
) -> int:
    x, y, w, h = box
    top = {"top": y, "middle": y + (h - fitted.height) // 2, "bottom": y + h - fitted.height}
    cy = top[valign]
    path, index = str(fitted.font.path), fitted.font.index
    # Noto Sans CJK puts its baseline lower than the kits' fonts (ascent 1.16 em, not 1.0):
    # lift its lines by the excess so that every language sits in its box the same way.
    lift = max(fitted.font.getmetrics()[0] - fitted.size, 0)
    for line in fitted.lines:
        lx = x
        if align != "left":
            gap = w - fitted.font.getlength(line)
            lx = x + int(gap if align == "right" else gap / 2)
        if line:
            mask, dx, dy = line_mask(line, path, fitted.size, index)
            py = cy + dy - lift
            img.paste(colour, (lx + dx, py, lx + dx + mask.width, py + mask.height), mask)
        cy += fitted.line_height
    return cy


def _background(img: Image.Image, layer: Background, ctx: Context) -> None:
    brand = ctx.brand
    if layer.style == "color":
        img.paste(rgb(brand, layer.color), (0, 0, *img.size))
        return
    photo_path = ctx.value(layer.field) if layer.field else None
    if layer.style == "gradient" or photo_path is None:
        img.paste(
            gradient(rgb(brand, layer.color), rgb(brand, layer.to), img.size, layer.direction)
        )
    else:
        with open_image(photo_path, layer.field or "image") as photo:
            img.paste(cover(photo, img.size, layer.focal))
    if layer.overlay and layer.overlay_opacity > 0:
        tint = Image.new("RGB", img.size, rgb(brand, layer.overlay))
        img.paste(Image.blend(img, tint, layer.overlay_opacity))


def _rect(img: Image.Image, layer: Rect, ctx: Context) -> None:
    x, y, w, h = layer.box
    colour = rgb(ctx.brand, layer.color)
    if layer.opacity >= 1:
        ImageDraw.Draw(img).rounded_rectangle(
            (x, y, x + w - 1, y + h - 1), layer.radius, fill=colour
        )
        return
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, w - 1, h - 1), layer.radius, fill=round(255 * layer.opacity)
    )
    img.paste(colour, (x, y, x + w, y + h), mask)


def _text(img: Image.Image, layer: TextLayer, ctx: Context) -> None:
    lg = layer.lang or ctx.lang
    if layer.field:
        raw = ctx.value(layer.field, lg)
        text, name = ("" if raw is None else display(raw, lg)), layer.field
    else:
        text, name = ctx.fill(_localised(layer.text or "", lg, "text"), lg), "text"
    if not text:
        return
    fitted = fit_text(
        text.upper() if layer.upper else text,
        font_path(ctx.brand, layer.font, lg),
        field=name,
        width=layer.box[2],
        height=layer.box[3],
        max_size=layer.size[1],
        min_size=layer.size[0],
        max_lines=layer.max_lines,
        leading=layer.leading,
        lang=lg,
    )
    _lines(img, fitted, layer.box, rgb(ctx.brand, layer.color), layer.align, layer.valign)


def _logo(img: Image.Image, layer: Logo, ctx: Context) -> None:
    if ctx.brand.logo is None:
        return
    x, y, w, h = layer.box
    mark = icons.scaled_logo(str(ctx.brand.logo), w, h)
    dx = {"left": 0, "center": (w - mark.width) // 2, "right": w - mark.width}
    img.paste(mark, (x + dx[layer.align], y + (h - mark.height) // 2), mark)


def _footer(img: Image.Image, layer: Footer, ctx: Context) -> None:
    w, h = img.size
    ImageDraw.Draw(img).rectangle((0, h - layer.height, w, h), fill=rgb(ctx.brand, layer.color))
    margin = 84 if w >= 1000 else 48
    box = (margin, h - layer.height, w - 2 * margin, layer.height)
    fitted = fit_text(
        brand_text(ctx.brand, "footer", ctx.lang),
        font_path(ctx.brand, layer.font, ctx.lang),
        field="brand.footer",
        width=box[2],
        height=layer.height - 24,
        max_size=layer.size[1],
        min_size=layer.size[0],
        max_lines=2,
        lang=ctx.lang,
    )
    _lines(img, fitted, box, rgb(ctx.brand, layer.text_color), layer.align, "middle")


def _draw(img: Image.Image, layer: Any, ctx: Context) -> None:
    if isinstance(layer, Background):
        _background(img, layer, ctx)
    elif isinstance(layer, Rect):
        _rect(img, layer, ctx)
    elif isinstance(layer, TextLayer):
        _text(img, layer, ctx)
    elif isinstance(layer, NumberLayer):
        _number(img, layer, ctx)
    elif isinstance(layer, ListLayer):
        _list(img, layer, ctx)
    elif isinstance(layer, Logo):
        _logo(img, layer, ctx)
    elif isinstance(layer, Footer):
        _footer(img, layer, ctx)
    elif isinstance(layer, SourceLayer):
        _source(img, layer, ctx)


def _number(img: Image.Image, layer: NumberLayer, ctx: Context) -> None:
    x, y, w, h = layer.box
    value = ctx.value(layer.field)
    if value is None:
        return
    unit = None
    if layer.unit_field:
        unit = ctx.value(layer.unit_field)
    elif layer.unit_text is not None:
        unit = ctx.fill(_localised(layer.unit_text, ctx.lang, "unit_text"))
    unit_fit = None
    if unit:
        unit_fit = fit_text(
            str(unit),
            font_path(ctx.brand, layer.unit_font, ctx.lang),
            field=layer.unit_field or "unit",
            width=w,
            height=int(h * 0.4),
            max_size=layer.unit_size[1],
            min_size=layer.unit_size[0],
            max_lines=2,
            lang=ctx.lang,
        )
    room = h - (unit_fit.height + 12 if unit_fit else 0)
    number = fit_text(
        display(value, ctx.lang),
        font_path(ctx.brand, layer.font, ctx.lang),
        field=layer.field,
        width=w,
        height=room,
        max_size=layer.size[1],
        min_size=layer.size[0],
        max_lines=1,
        leading=1.08,
        lang=ctx.lang,
    )
    bottom = _lines(img, number, (x, y, w, number.height), rgb(ctx.brand, layer.color), layer.align)
    if unit_fit:
        _lines(
            img,
            unit_fit,
            (x, bottom + 12, w, unit_fit.height),
            rgb(ctx.brand, layer.unit_color),
            layer.align,
        )


def _list(img: Image.Image, layer: ListLayer, ctx: Context) -> None:
    items = ctx.value(layer.field) or []
    x, y, w, h = layer.box
    rows = fit_rows(
        [str(i) for i in items],
        font_path(ctx.brand, layer.font, ctx.lang),
        field=layer.field,
        width=w,
        height=h,
        max_size=layer.size[1],
        min_size=layer.size[0],
        max_lines=layer.max_lines,
        gap=layer.gap,
        indent=lambda size: round(size * 1.9),
        lang=ctx.lang,
    )
    cy = y
    for n, fitted in enumerate(rows, start=1):
        d = round(fitted.size * 1.45)
        icons.draw_icon(
            img,
            layer.icon,
            (x, cy + (fitted.line_height - d) // 2),
            d,
            n,
            rgb(ctx.brand, layer.icon_color),
            rgb(ctx.brand, layer.icon_text_color),
            font_path(ctx.brand, "heading").path,  # digits: the kit's own font
        )
        indent = round(fitted.size * 1.9)
        cy = (
            _lines(
                img,
                fitted,
                (x + indent, cy, w - indent, fitted.height),
                rgb(ctx.brand, layer.color),
                "left",
            )
            + layer.gap
        )


def _source(img: Image.Image, layer: SourceLayer, ctx: Context) -> None:
    raw = ctx.value(layer.field)
    if not raw:
        raise ValidationFailed([f"{layer.field}: a card that shows a fact must cite its source"])
    label = SOURCE_LABEL.get(ctx.lang, SOURCE_LABEL["en"])
    text = str(raw)
    labels = tuple(v.rstrip() for v in SOURCE_LABEL.values()) + tuple(
        v.rstrip(" ：:") + ":" for v in SOURCE_LABEL.values()
    )
    if not text.startswith(labels):
        text = f"{label}{text}"
    x, y, w, h = layer.box
    fitted = fit_text(
        text,
        font_path(ctx.brand, layer.font, ctx.lang),
        field=layer.field,
        width=w,
        height=h,
        max_size=layer.size[1],
        min_size=layer.size[0],
        max_lines=layer.max_lines,
        leading=1.3,
        lang=ctx.lang,
    )
    top = y + h - fitted.height
    if layer.rule:
        ImageDraw.Draw(img).line(
            (x, top - 16, x + w, top - 16), fill=rgb(ctx.brand, layer.color), width=2
        )
    _lines(img, fitted, (x, top, w, fitted.height), rgb(ctx.brand, layer.color), layer.align)


_BASES: dict[tuple[Any, ...], Image.Image] = {}


def compose(
    spec: TemplateSpec,
    values: CardValues,
    brand: Brand,
    *,
    lang: str,
    layers: list[Any] | None = None,
    extra: dict[str, Any] | None = None,
    size: tuple[int, int] | None = None,
) -> Image.Image:
    """The composed RGB image (before encoding)."""
    layers = spec.layers if layers is None else layers
    size = size or spec.wh
    ctx = Context(brand, lang, values, extra or {})
    n = 0
    while n < len(layers) and is_static(layers[n]):
        n += 1
    key = (spec.id, spec.sha256, id(layers), brand.code, brand.sha256, lang, size, n)
    base = _BASES.get(key)
    if base is None:
        base = Image.new("RGB", size, rgb(brand, "primary"))
        for layer in layers[:n]:
            _draw(base, layer, ctx)
        if len(_BASES) > 64:
            _BASES.clear()
        _BASES[key] = base
    img = base.copy()
    for layer in layers[n:]:
        _draw(img, layer, ctx)
    return img


def encode(img: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "png":
        img.save(out, format="PNG", compress_level=1)
    elif fmt in ("jpg", "jpeg"):
        img.save(out, format="JPEG", quality=92, subsampling=0, optimize=False)
    else:
        raise ValidationFailed([f"-o: unsupported image format {fmt!r} (use .png or .jpg)"])
    return out.getvalue()


def render_card(
    spec: TemplateSpec,
    values: CardValues,
    brand: Brand,
    *,
    lang: str = "vi",
    fmt: str = "png",
    extra: dict[str, Any] | None = None,
) -> bytes:
    if spec.kind != "card":
        raise ValidationFailed([f"--template: {spec.id} is a {spec.kind} template, not a card"])
    return encode(compose(spec, values, brand, lang=lang, extra=extra), fmt)
