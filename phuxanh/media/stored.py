"""Media paths as rows keep them: relative to the media root (`PHUXANH_MEDIA_DIR`).

A rendered card stored as `cards/slot12-ab34.png` is found by any worker that mounts the
shared media directory, wherever it is mounted there. Rows written before this rule keep
an absolute path; `resolve` still reads those (and migration 0011_media_rel rewrites those under
the media root).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from phuxanh.core.settings import get_settings

UPLOADS = "uploads"  # files given with `item create --media`, copied in by content


def media_root() -> Path:
    """PHUXANH_MEDIA_DIR, absolute (a relative setting is read from the working directory,
    like `.env`: a worker's runs start in the checkout)."""
    return get_settings().media_dir.resolve()


def to_stored(path: Path) -> str:
    """What a row keeps for `path`: relative (POSIX) when it lies under the media root,
    else absolute."""
    absolute = path.resolve()
    try:
        return absolute.relative_to(media_root()).as_posix()
    except ValueError:
        return str(absolute)


def resolve(stored: str | None) -> Path | None:
    """The file a row's media path names on this host, or None for no media."""
    if not stored:
        return None
    path = Path(stored)
    return path if path.is_absolute() else media_root() / path


def shown(stored: str | None) -> str | None:
    """`resolve` as a string, for the desk and reports (which open the file)."""
    found = resolve(stored)
    return str(found) if found is not None else None


def bring_in(source: Path) -> Path:
    """A copy of `source` under the media root (uploads/<sha256 prefix>-<name>), so every
    worker with the shared directory can send it; a file already under the root stays."""
    root = media_root()
    absolute = source.resolve()
    if absolute.is_relative_to(root):
        return absolute
    digest = hashlib.sha256()
    with absolute.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    target = root / UPLOADS / f"{digest.hexdigest()[:16]}-{absolute.name}"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        shutil.copyfile(absolute, part)
        part.replace(target)
    return target
