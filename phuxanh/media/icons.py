"""Small vector icons drawn with Pillow (no icon font to license) and the scaled brand logo.

Icons are drawn at 4× and reduced once, so their edges are smooth; each (icon, size,
colours, number) is kept after the first draw.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw

from phuxanh.core.errors import ConfigError
from phuxanh.media.images import open_image
from phuxanh.media.text import load_font

RGB = tuple[int, int, int]
SS = 4  # supersampling factor


@lru_cache(maxsize=128)
def _icon(kind: str, d: int, n: int, colour: RGB, ink: RGB, font: str) -> Image.Image:
    big = d * SS
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    if kind in ("number", "check"):
        draw.ellipse((0, 0, big - 1, big - 1), fill=colour)
    if kind == "number":
        face = load_font(font, int(big * 0.56))
        draw.text((big / 2, big / 2), str(n), font=face, fill=ink, anchor="mm")
    elif kind == "check":
        w = max(big // 9, 2)
        draw.line(
            [(big * 0.27, big * 0.52), (big * 0.44, big * 0.69), (big * 0.74, big * 0.34)],
            fill=ink,
            width=w,
            joint="curve",
        )
    elif kind == "dot":
        r = big * 0.28
        draw.ellipse((big / 2 - r, big / 2 - r, big / 2 + r, big / 2 + r), fill=colour)
    elif kind == "star":
        pts = []
        for i in range(10):
            r = big * (0.5 if i % 2 == 0 else 0.21)
            a = -math.pi / 2 + i * math.pi / 5
            pts.append((big / 2 + r * math.cos(a), big / 2 + r * math.sin(a)))
        draw.polygon(pts, fill=colour)
    elif kind == "arrow":
        draw.polygon(
            [
                (big * 0.18, big * 0.12),
                (big * 0.86, big * 0.5),
                (big * 0.18, big * 0.88),
                (big * 0.36, big * 0.5),
            ],
            fill=colour,
        )
    else:
        raise ConfigError(f"icon {kind!r} is not one of number, check, dot, star, arrow")
    return img.resize((d, d), Image.Resampling.LANCZOS)


def draw_icon(
    img: Image.Image,
    kind: str,
    at: tuple[int, int],
    d: int,
    n: int,
    colour: RGB,
    ink: RGB,
    font: Path,
) -> None:
    mark = _icon(kind, d, n, colour, ink, str(font))
    img.paste(mark, at, mark)


@lru_cache(maxsize=16)
def scaled_logo(path: str, width: int, height: int) -> Image.Image:
    """The logo scaled to fit the box (aspect kept), RGBA."""
    try:
        with open_image(path, "logo") as raw:
            logo = raw.convert("RGBA")
    except OSError as exc:
        raise ConfigError(f"{path}: brand logo is not a readable image ({exc})") from exc
    logo.thumbnail((width, height), Image.Resampling.LANCZOS)
    return logo  # type: ignore[no-any-return]
