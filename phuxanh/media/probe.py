"""What a video file is (ffprobe); whether a platform accepts it is `platforms.video`.

The MP4 box order (moov before mdat, "faststart") is read from the file itself.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phuxanh.core.errors import ConfigError
from phuxanh.media.images import MAX_PIXELS

MB = 1024 * 1024


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    vcodec: str
    profile: str
    pix_fmt: str
    acodec: str | None
    sample_rate: int | None
    channels: int | None
    duration: float
    size_bytes: int
    moov_first: bool


def moov_before_mdat(path: Path) -> bool:
    """True when the top-level `moov` box comes before `mdat` (progressive playback)."""
    with path.open("rb") as fh:
        while header := fh.read(8):
            if len(header) < 8:
                return False
            size, kind = struct.unpack(">I4s", header)
            if size == 1:
                size = struct.unpack(">Q", fh.read(8))[0] - 8
            if kind == b"moov":
                return True
            if kind == b"mdat" or size < 8:
                return False
            fh.seek(size - 8, 1)
    return False


def ffprobe_path() -> str:
    found = shutil.which("ffprobe")
    if found is None:
        raise ConfigError("ffprobe not found: install ffmpeg (apt-get install ffmpeg)")
    return found


def _ffprobe(path: Path) -> dict[str, Any]:
    """ffprobe's streams and format of `path`; ConfigError (one line) when it cannot."""
    try:
        out = subprocess.run(
            [
                ffprobe_path(),
                "-v",
                "error",
                "-show_streams",
                "-show_format",
                "-of",
                "json",
                str(path),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"{path}: ffprobe cannot read it ({exc})") from exc
    if out.returncode != 0:
        why = " ".join(out.stderr.split())[:200]
        raise ConfigError(f"{path}: ffprobe cannot read it: {why}")
    try:
        data = json.loads(out.stdout)
    except ValueError as exc:
        raise ConfigError(f"{path}: ffprobe gave no readable answer") from exc
    return data if isinstance(data, dict) else {}


def _stream(data: dict[str, Any], kind: str) -> dict[str, Any] | None:
    streams = data.get("streams") or []
    return next((s for s in streams if isinstance(s, dict) and s.get("codec_type") == kind), None)


def probe(path: Path) -> VideoInfo:
    """What the video at `path` is; ConfigError naming the file when it is not a video."""
    data = _ffprobe(path)
    video = _stream(data, "video")
    audio = _stream(data, "audio")
    if video is None:
        raise ConfigError(f"{path}: not a video (ffprobe finds no video stream)")
    try:
        num, den = (int(x) for x in video.get("r_frame_rate", "0/0").split("/"))
        return VideoInfo(
            width=int(video["width"]),
            height=int(video["height"]),
            fps=num / den if den else 0.0,
            vcodec=video["codec_name"],
            profile=video.get("profile", ""),
            pix_fmt=video.get("pix_fmt", ""),
            acodec=audio["codec_name"] if audio else None,
            sample_rate=int(audio["sample_rate"]) if audio else None,
            channels=int(audio["channels"]) if audio else None,
            duration=float(data["format"]["duration"]),
            size_bytes=int(data["format"]["size"]),
            moov_first=moov_before_mdat(path),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: not a video phuxanh can post (ffprobe gives no {exc})") from exc


def video_problem(path: Path) -> str | None:
    """Why a video attached to an item cannot be used, as `PATH: reason` (None: it can):
    unreadable, or frames larger than an image may be (`images.MAX_PIXELS`)."""
    if not path.is_file():
        return f"{path}: file not found"
    try:
        info = probe(path)
    except ConfigError as exc:
        return str(exc)
    if info.width * info.height > MAX_PIXELS:
        return (
            f"{path}: {info.width}×{info.height} frames are more than the "
            f"{MAX_PIXELS // 1_000_000} Mpx an image may have"
        )
    return None


def audio_problem(path: Path, *, at_least: float = 0.0) -> str | None:
    """Why `path` cannot be a clip's music, as `PATH: reason` (None: it can): missing,
    not something ffprobe reads, no audio stream, or shorter than `at_least` seconds."""
    if not path.is_file():
        return f"{path}: file not found"
    try:
        data = _ffprobe(path)
    except ConfigError as exc:
        return f"{path}: not a readable audio file ({str(exc).removeprefix(f'{path}: ')})"
    audio = _stream(data, "audio")
    if audio is None:
        return f"{path}: not a readable audio file (ffprobe finds no audio stream)"
    raw: Any = (data.get("format") or {}).get("duration") or audio.get("duration")
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        return f"{path}: not a readable audio file (ffprobe finds no duration)"
    if seconds < at_least:
        return f"{path}: {seconds:.1f} s is shorter than the clip ({at_least:.1f} s)"
    return None
