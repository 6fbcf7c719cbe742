"""Whether a file a person attaches can be posted at all, image or video."""

from __future__ import annotations

from pathlib import Path

from phuxanh.media.images import VIDEO_SUFFIXES, image_problem
from phuxanh.media.probe import video_problem


def media_problem(path: Path) -> str | None:
    """Why a file attached to an item cannot be posted, as `PATH: reason` (None: it can):
    a video (by its suffix, as the publisher tells them apart) per `probe.video_problem`,
    anything else per `image_problem`."""
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return video_problem(path)
    return image_problem(path)
