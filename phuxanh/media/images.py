"""Every image phuxanh reads from outside is opened here, under one pixel limit.

Card photos, clip backgrounds, brand logos and the media attached to an item come from
people's folders. A PNG of a few kilobytes can declare 20,000 × 20,000 pixels and take
gigabytes to decode, so the size is read from the header and checked before any pixel
is. MAX_PIXELS fits what phones take (48 Mpx cameras: 8064 × 6048 ≈ 48.8 Mpx) and more
than any card needs (at most 1080 × 1920); a larger picture is refused with its size, to
be scaled down first. Only the formats the platforms take are opened, so no other
Pillow decoder sees an outside file.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, UnidentifiedImageError

from phuxanh.core.errors import ValidationFailed

MAX_PIXELS = 60_000_000
VIDEO_SUFFIXES = (".mp4", ".mov", ".webm")  # what the publisher sends as a video
FORMATS = ("PNG", "JPEG", "WEBP", "GIF")  # JPEG includes phones' multi-picture (MPO) files
KINDS = "PNG, JPEG, WebP or GIF"


class _Bad(Exception):
    """Why a file is not an image phuxanh reads (the text follows `PATH: `)."""


def _mpx(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f} Mpx"


def _open_checked(path: Path) -> Image.Image:
    """Open `path` lazily (header only) and check its format and pixel count."""
    if not path.is_file():
        raise _Bad("file not found")
    try:
        img = Image.open(path, formats=FORMATS)
    except Image.DecompressionBombError as exc:  # Pillow's own guard, far above ours
        raise _Bad(f"more than {_mpx(MAX_PIXELS)}; scale it down") from exc
    except UnidentifiedImageError as exc:
        raise _Bad(f"not a readable image ({KINDS})") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise _Bad(f"not a readable image ({exc})") from exc
    w, h = img.size
    if w * h > MAX_PIXELS:
        img.close()
        raise _Bad(
            f"{w}×{h} pixels ({_mpx(w * h)}) is more than the {_mpx(MAX_PIXELS)} an "
            "image may have; scale it down"
        )
    return img


def image_problem(path: Path) -> str | None:
    """Why `path` is not a usable image, as `PATH: reason`; None when it is one.

    The whole image is decoded (after the header passed), so a truncated or corrupt file
    is found here and not halfway through drawing a card.
    """
    try:
        with _open_checked(path) as img:
            img.verify()
        with _open_checked(path) as img:
            img.load()
    except _Bad as exc:
        return f"{path}: {exc}"
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        return f"{path}: not a readable image ({exc})"
    return None


def open_image(path: Path | str, field: str) -> Image.Image:
    """The image at `path`, opened lazily (use it in a `with` block), or ValidationFailed
    naming `field` and the file when it is missing, not an image or over MAX_PIXELS."""
    try:
        return _open_checked(Path(path))
    except _Bad as exc:
        raise ValidationFailed([f"{field}: {path}: {exc}"]) from exc
