"""Text on images in every content language: NFC, real glyphs only, line breaking and auto-fit.

A string that does not fit its box at the smallest allowed size is an error naming the
field and the overflow, never a silent cut. A character the font lacks is an error too,
naming the character, the font and the language, never a tofu box. Lines break at spaces
in Vietnamese, English and Korean, between characters (with kinsoku) in Chinese and
Japanese (`linebreak`).
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
from phuxanh.media.linebreak import CHARACTER_BREAKING, Piece, join, pieces

P = ParamSpec("P")
R = TypeVar("R")


class TextFitError(PhuxanhError):
    """Text does not fit its box, or the font cannot draw one of its characters."""


@dataclass(frozen=True)
class Face:
    """One font: a .ttf/.otf file, or one font of a .ttc collection (`index`, `family`)."""

    path: Path
    index: int = 0
    family: str = ""

    @property
    def name(self) -> str:
        return f"{self.path.name} ({self.family})" if self.family else self.path.name


def as_face(font: Path | Face) -> Face:
    return font if isinstance(font, Face) else Face(font)


@lru_cache(maxsize=32)
def _cmap(path: str, index: int = 0) -> frozenset[int]:
    with TTFont(path, lazy=True, fontNumber=index) as font:
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
def load_font(path: str, size: int, index: int = 0) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.RAQM)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def check_glyphs(text: str, font_path: Path | Face, *, field: str, lang: str | None = None) -> None:
    """Refuse text with characters the font has no glyph for (whitespace aside), naming
    each character, the font and (when given) the language of the text."""
    face = as_face(font_path)
    have = _cmap(str(face.path), face.index)
    missing = sorted({ch for ch in nfc(text) if not ch.isspace() and ord(ch) not in have})
    if missing:
        shown = " ".join(f"{ch!r} U+{ord(ch):04X}" for ch in missing)
        where = f"{field} ({lang})" if lang else field
        raise TextFitError(f"{where}: font {face.name} has no glyph for {shown}")


@dataclass(frozen=True)
class FittedText:
    lines: list[str]
    font: ImageFont.FreeTypeFont
    size: int
    line_height: int

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int, lang: str = "vi") -> list[str] | None:
    """Greedy line breaking for `lang`; None when a piece no line may break inside (a word)
    is wider than the box."""
    if lang in CHARACTER_BREAKING:
        return _wrap_pieces(text, font, width, lang)
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


def _wrap_pieces(
    text: str, font: ImageFont.FreeTypeFont, width: int, lang: str
) -> list[str] | None:
    """Chinese and Japanese: pieces are one character (or a Latin run), so each piece is
    measured once and lines are filled by adding widths; each line is then measured whole
    (kerning, spaces) and gives back pieces while it is too wide."""
    space = font.getlength(" ")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        parts = pieces(paragraph, lang)
        if not parts:
            lines.append("")
            continue
        widths = [font.getlength(p.text) for p in parts]
        if max(widths) > width:
            return None
        start = 0
        while start < len(parts):
            end, used = start + 1, widths[start]
            while end < len(parts):
                extra = widths[end] + (space if parts[end].space else 0)
                if used + extra > width:
                    break
                used += extra
                end += 1
            line: list[Piece] = parts[start:end]
            while len(line) > 1 and font.getlength(join(line)) > width:
                line = line[:-1]
            lines.append(join(line))
            start += len(line)
    return lines


@per_thread_cache(maxsize=1024)
def fit_text(
    text: str,
    font_path: Path | Face,
    *,
    field: str,
    width: int,
    height: int,
    max_size: int,
    min_size: int,
    max_lines: int,
    leading: float = 1.25,
    lang: str | None = None,
) -> FittedText:
    """The largest size in [min_size, max_size] at which `text` fits the box, its lines
    broken by the rules of `lang` (spaces when not given)."""
    text = nfc(text).strip()
    face = as_face(font_path)
    check_glyphs(text, face, field=field, lang=lang)
    size = max_size
    best_overflow = ""
    while size >= min_size:
        font = load_font(str(face.path), size, face.index)
        line_height = round(size * leading)
        lines = wrap(text, font, width, lang or "vi")
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
    font_path: Path | Face,
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
    lang: str | None = None,
) -> list[FittedText]:
    """One size for every row of a list: the largest at which all rows fit the box together."""
    items = [nfc(i).strip() for i in items]
    face = as_face(font_path)
    for item in items:
        check_glyphs(item, face, field=field, lang=lang)
    size = max_size
    overflow = ""
    while size >= min_size:
        font = load_font(str(face.path), size, face.index)
        line_height = round(size * leading)
        rows = [wrap(item, font, width - indent(size), lang or "vi") for item in items]
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
