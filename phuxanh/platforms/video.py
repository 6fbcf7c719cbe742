"""Whether each platform accepts a video, from what `media.probe` read of the file.

Limits come from `docs/platforms.md` (one section per platform); where it marks a figure
unverified or gives several, the strictest one is used."""

from __future__ import annotations

from dataclasses import dataclass

from phuxanh.media.probe import MB, VideoInfo


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
    "x": VideoLimits(
        0.5,
        1200,
        512 * MB,
        1,
        60,
        max_width=1280,
        max_height=1024,
        min_side=32,
        min_aspect=1 / 3,
        max_aspect=3.0,
    ),
    # Zalo OA video article upload: mp4, <= 50 MB [Z2].
    "zalo": VideoLimits(1, 600, 50 * MB),
    # Telegram sendVideo: <= 50 MB uploaded [G1].
    "telegram": VideoLimits(1, 3600, 50 * MB),
}


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
