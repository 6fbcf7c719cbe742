"""What a video file is (ffprobe) and whether each platform accepts it.

Limits come from `docs/platforms.md` (one section per platform); where it marks a figure
unverified or gives several, the strictest one is used. The MP4 box order (moov before
mdat, "faststart") is read from the file itself.
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


@dataclass(frozen=True)
class VideoLimits:
    """One platform's limits for an uploaded video (None: no limit known)."""

    min_seconds: float
    max_seconds: float
    max_bytes: int
    min_fps: float = 1
    max_fps: float = 60
    max_width: int | None = None
    max_height: int | None = None
    min_side: int = 0
    max_side: int | None = None
    min_aspect: float = 0.0  # width / height
    max_aspect: float = 100.0
    audio_rate: int | None = None


LIMITS: dict[str, VideoLimits] = {
    # Reels: 3-90 s, 24-60 fps, min 540x960, H.264, AAC 48 kHz [F4].
    "facebook": VideoLimits(3, 90, 1024 * MB, 24, 60, min_side=540, audio_rate=48000),
    # Shorts: vertical or square and at most 3 minutes; the file cap is 256 GB [Y2, Y7].
    "youtube": VideoLimits(1, 180, 256 * 1024 * MB, max_aspect=1.0),
    # 3 s-10 min, 23-60 fps, 360-4096 px per side; size reported as 1, 4 or 10 GB: take 1 GB.
    "tiktok": VideoLimits(3, 600, 1024 * MB, 23, 60, min_side=360, max_side=4096),
    # 0.5 s-20 min, at most 1280x1024 (either orientation is not stated: keep it literal),
    # <= 60 fps, aspect 1:3-3:1 [X1].
    "x": VideoLimits(0.5, 1200, 512 * MB, 1, 60, max_width=1280, max_height=1024,
                     min_side=32, min_aspect=1 / 3, max_aspect=3.0),
    # Zalo OA video article upload: mp4, <= 50 MB [Z2].
    "zalo": VideoLimits(1, 600, 50 * MB),
    # Telegram sendVideo: <= 50 MB uploaded [G1].
    "telegram": VideoLimits(1, 3600, 50 * MB),
}


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
            [ffprobe_path(), "-v", "error", "-show_streams", "-show_format", "-of", "json",
             str(path)],
            capture_output=True, text=True, check=False, timeout=60,
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
    return next((s for s in streams if isinstance(s, dict) and s.get("codec_type") == kind),
                None)


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
        raise ConfigError(f"{path}: not a video phuxanh can post (ffprobe gives no {exc})") \
            from exc


def video_problem(path: Path) -> str | None:
    """Why a video attached to an item cannot be used, as `PATH: reason` (None: it can):
    unreadable, or frames larger than an image may be (`images.MAX_PIXELS`)."""
    from phuxanh.media.images import MAX_PIXELS

    if not path.is_file():
        return f"{path}: file not found"
    try:
        info = probe(path)
    except ConfigError as exc:
        return str(exc)
    if info.width * info.height > MAX_PIXELS:
        return (f"{path}: {info.width}×{info.height} frames are more than the "
                f"{MAX_PIXELS // 1_000_000} Mpx an image may have")
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


def problems(info: VideoInfo, platform: str) -> list[str]:
    """Why `platform` would refuse this video (empty: it accepts it)."""
    lim = LIMITS[platform]
    out = []
    if info.vcodec != "h264" or info.pix_fmt != "yuv420p":
        out.append(f"video {info.vcodec}/{info.pix_fmt}, expected h264/yuv420p")
    if info.acodec != "aac":
        out.append(f"audio {info.acodec}, expected aac")
    if lim.audio_rate and info.sample_rate != lim.audio_rate:
        out.append(f"audio at {info.sample_rate} Hz, expected {lim.audio_rate}")
    if not lim.min_seconds <= info.duration <= lim.max_seconds:
        out.append(f"{info.duration:.1f} s, allowed {lim.min_seconds}-{lim.max_seconds} s")
    if info.size_bytes > lim.max_bytes:
        out.append(f"{info.size_bytes / MB:.1f} MB, at most {lim.max_bytes / MB:.0f} MB")
    if not lim.min_fps <= info.fps <= lim.max_fps:
        out.append(f"{info.fps:g} fps, allowed {lim.min_fps:g}-{lim.max_fps:g}")
    if lim.max_width and info.width > lim.max_width:
        out.append(f"{info.width} px wide, at most {lim.max_width}")
    if lim.max_height and info.height > lim.max_height:
        out.append(f"{info.height} px tall, at most {lim.max_height}")
    if min(info.width, info.height) < lim.min_side:
        out.append(f"shorter side {min(info.width, info.height)} px, at least {lim.min_side}")
    if lim.max_side and max(info.width, info.height) > lim.max_side:
        out.append(f"longer side {max(info.width, info.height)} px, at most {lim.max_side}")
    aspect = info.width / info.height
    if not lim.min_aspect <= aspect <= lim.max_aspect:
        out.append(f"aspect {aspect:.2f}, allowed {lim.min_aspect:.2f}-{lim.max_aspect:.2f}")
    if not info.moov_first:
        out.append("moov box after mdat (not +faststart)")
    return [f"{platform}: {p}" for p in out]
