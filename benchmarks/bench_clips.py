"""Clip rendering time against the encode floor, medians of repeated runs in one process.

    .venv/bin/python benchmarks/bench_clips.py [--runs 3] [--preset medium]

The clip is the `short-points` template with three points: 15.4 s, 1080x1920, 30 fps.
The floor is the part no composition code can remove: the same frames (decoded once from
our own output into a raw file, untimed) encoded by the same ffmpeg binary with the same
preset and parameters. Goal (issue 4): total <= 1.5x the floor. Peak memory is the
largest resident set of this process and of the ffmpeg children.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from phuxanh.media.cards import load_brand  # noqa: E402
from phuxanh.media.clips import encode_params, render_clip  # noqa: E402
from phuxanh.media.inputs import load_values  # noqa: E402
from phuxanh.media.templates import load_template  # noqa: E402

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def encode_floor(raw: Path, frames: int, preset: str, out: Path) -> float:
    cmd = [
        FFMPEG,
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-vcodec",
        "rawvideo",
        "-s",
        "1080x1920",
        "-pix_fmt",
        "rgb24",
        "-r",
        "30",
        "-i",
        str(raw),
        "-frames:v",
        str(frames),
        "-vcodec",
        "libx264",
        "-preset",
        preset,
        "-threads",
        "2",
        *[p for p in encode_params(30) if p not in ("-ar", "48000", "-ac", "2")],
        str(out),
    ]
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--preset", default="medium")
    args = parser.parse_args()
    assets = ROOT / "assets"
    brand = load_brand(assets, "ttdn-haiphong")
    spec = load_template(assets, "short-points")
    values = load_values(spec, ROOT / "content" / "samples" / "short-points.yaml", langs={"vi"})
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        totals, floors = [], []
        for run in range(args.runs):
            out = tmp / f"clip{run}.mp4"
            t = time.perf_counter()
            duration, _ = render_clip(spec, values, brand, lang="vi", out=out, preset=args.preset)
            totals.append(time.perf_counter() - t)
        frames = round(duration * 30)
        raw = tmp / "frames.rgb"
        subprocess.run(
            [
                FFMPEG,
                "-loglevel",
                "error",
                "-i",
                str(tmp / "clip0.mp4"),
                "-f",
                "rawvideo",
                "-pix_fmt",
                "rgb24",
                str(raw),
            ],
            check=True,
        )
        for run in range(args.runs):
            floors.append(encode_floor(raw, frames, args.preset, tmp / f"floor{run}.mp4"))
    total, floor = statistics.median(totals), statistics.median(floors)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"clip {duration:.1f} s 1080x1920 30 fps, preset {args.preset}: render median "
        f"{total:.1f} s, encode floor median {floor:.1f} s ({frames} frames), ratio "
        f"{total / floor:.2f}x (goal <= 1.5x); peak RSS python {own:.0f} MiB, "
        f"ffmpeg {child:.0f} MiB; runs {args.runs}; all: "
        f"{' '.join(f'{x:.1f}' for x in totals)} / {' '.join(f'{x:.1f}' for x in floors)}"
    )


if __name__ == "__main__":
    main()
