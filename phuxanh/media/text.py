"""Vietnamese text on images: NFC, real glyphs only, word wrapping and auto-fit.

A string that does not fit its box at the smallest allowed size is an error naming the
field and the overflow, never a silent cut. A character the font lacks is an error too,
never a tofu box.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ParamSpec, TypeVar

from fontTools.ttLib import TTFont
from PIL import ImageFont

from phuxanh.core.errors import PhuxanhError

P = ParamSpec("P")
R = TypeVar("R")


class TextFitError(PhuxanhError):
    """Text does not fit its box, or the font cannot draw one of its characters."""


@lru_cache(maxsize=32)
def _cmap(path: str) -> frozenset[int]:
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


_local = threading.local()


def per_thread_cache(maxsize: int) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """An LRU cache per thread: a FreeType face must never be used by two threads at once."""

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        def cached(*args: P.args, **kwargs: P.kwargs) -> R:
            caches = _local.__dict__.setdefault("caches", {})
            if fn not in caches:
                caches[fn] = lru_cache(maxsize=maxsize)(fn)
            return caches[fn](*args, **kwargs)  # type: ignore[no-any-return]

        return cached

    return wrap


@per_thread_cache(maxsize=256)
def load_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def check_glyphs(text: str, font_path: Path, *, field: str) -> None:
    """Refuse text with characters the font has no glyph for (whitespace aside)."""
    have = _cmap(str(font_path))
    missing = sorted({ch for ch in nfc(text) if not ch.isspace() and ord(ch) not in have})
    if missing:
        shown = " ".join(f"{ch!r} U+{ord(ch):04X}" for ch in missing)
        raise TextFitError(f"{field}: font {font_path.name} has no glyph for {shown}")


@dataclass(frozen=True)
class FittedText:
    lines: list[str]
    font: ImageFont.FreeTypeFont
    size: int
    line_height: int

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str] | None:
    """Greedy word wrap; None when a single word is wider than the box."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split()
        if not words:
            lines.append("")
            continue
        current = words[0]
        if font.getlength(current) > width:
            return None
        for word in words[1:]:
            candidate = f"{current} {word}"
            if font.getlength(candidate) <= width:
                current = candidate
                continue
            if font.getlength(word) > width:
                return None
            lines.append(current)
            current = word
        lines.append(current)
    return lines


@per_thread_cache(maxsize=1024)
def fit_text(
    text: str,
    font_path: Path,
    *,
    field: str,
    width: int,
    height: int,
    max_size: int,
    min_size: int,
    max_lines: int,
    leading: float = 1.25,
) -> FittedText:
    """The largest size in [min_size, max_size] at which `text` fits the box."""
    text = nfc(text).strip()
    check_glyphs(text, font_path, field=field)
    size = max_size
    best_overflow = ""
    while size >= min_size:
        font = load_font(str(font_path), size)
        line_height = round(size * leading)
        lines = wrap(text, font, width)
        if lines is not None and len(lines) <= max_lines and line_height * len(lines) <= height:
            return FittedText(lines=lines, font=font, size=size, line_height=line_height)
        if lines is None:
            best_overflow = "a word is wider than the box"
        else:
            best_overflow = (
                f"{len(lines)} lines (max {max_lines}), "
                f"{line_height * len(lines)} px tall (box {height} px)"
            )
        size -= 2 if size > 40 else 1
    raise TextFitError(
        f"{field}: text too long for its box even at {min_size} px: {best_overflow} "
        f"({len(text)} characters)"
    )


def fit_rows(
    items: list[str],
    font_path: Path,
    *,
    field: str,
    width: int,
    height: int,
    max_size: int,
    min_size: int,
    max_lines: int,
    gap: int,
    indent: Callable[[int], int],
    leading: float = 1.22,
) -> list[FittedText]:
    """One size for every row of a list: the largest at which all rows fit the box together."""
    items = [nfc(i).strip() for i in items]
    for item in items:
        check_glyphs(item, font_path, field=field)
    size = max_size
    overflow = ""
    while size >= min_size:
        font = load_font(str(font_path), size)
        line_height = round(size * leading)
        rows = [wrap(item, font, width - indent(size)) for item in items]
        if all(r is not None and len(r) <= max_lines for r in rows):
            fitted = [FittedText(r or [], font, size, line_height) for r in rows]
            total = sum(f.height for f in fitted) + gap * (len(fitted) - 1)
            if total <= height:
                return fitted
            overflow = f"{total} px tall (box {height} px)"
        else:
            worst = max(len(r) if r is not None else 99 for r in rows)
            overflow = f"an item needs {worst} lines (max {max_lines})"
        size -= 2 if size > 40 else 1
    raise TextFitError(
        f"{field}: list too long for its box even at {min_size} px: {overflow} ({len(items)} items)"
    )
