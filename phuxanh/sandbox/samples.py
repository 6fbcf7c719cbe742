"""Small, valid media for sandbox runs and tests: a 3.5 s vertical clip every platform
accepts (540x960, 30 fps, H.264 yuv420p, AAC 48 kHz, +faststart) and small JPEG/PNG cards."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw

from phuxanh.core.errors import ConfigError


def ffmpeg_path() -> str:
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError as exc:
        raise ConfigError("ffmpeg not found: install ffmpeg (apt-get install ffmpeg)") from exc
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def tiny_clip(path: Path, seconds: float = 3.5) -> Path:
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.part.mp4")
    subprocess.run(
        [
            ffmpeg_path(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"color=c=0x0b6e4f:s=540x960:r=30:d={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate=48000:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-ar",
            "48000",
            "-ac",
            "2",
            "-shortest",
            "-movflags",
            "+faststart",
            str(tmp),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    tmp.replace(path)
    return path


def tiny_card(path: Path, text: str = "phuxanh") -> Path:
    """A 540x675 card as PNG or JPEG (by suffix)."""
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (540, 675), (11, 110, 79))
    ImageDraw.Draw(image).text((40, 300), text, fill=(255, 255, 255))
    image.save(path, quality=85) if path.suffix.lower() in (".jpg", ".jpeg") else image.save(path)
    return path
