"""Clips through the command line, checked with ffprobe: size, fps, codec, pixel format,
audio, moov before mdat, duration; the .srt; every platform's limits; bad input."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from phuxanh.errors import ValidationFailed
from phuxanh.media.cards import load_brand
from phuxanh.media.clips import build_scenes
from phuxanh.media.inputs import CardValues
from phuxanh.media.probe import LIMITS, probe, problems
from phuxanh.media.templates import load_template
from tests.test_cli import phuxanh

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
POINTS = ["Kiểm tra tên mình trong danh sách cử tri.", "Mang theo thẻ cử tri khi đi bầu."]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if shutil.which("ffprobe") is None:
        if os.environ.get("PHUXANH_REQUIRE_MEDIA_TOOLS") == "1":
            pytest.fail("ffprobe is required (apt-get install ffmpeg)")
        pytest.skip("ffprobe not installed (CI installs ffmpeg)")
    tmp = tmp_path_factory.mktemp("clip")
    data = tmp / "data.yaml"
    data.write_text(yaml.safe_dump({"title": "Bầu cử 15/3/2026", "points": POINTS,
                                    "source": "Nguồn: Luật Bầu cử (85/2015/QH13)"},
                                   allow_unicode=True), encoding="utf-8")
    out = tmp / "out" / "bau-cu.mp4"
    done = phuxanh("render", "clip", "--template", "short-points", "--data", str(data),
                   "-o", str(out), "--preset", "veryfast",
                   "--database", f"sqlite:///{tmp / 'db.sqlite'}")
    assert done.returncode == 0, done.stderr
    return {"out": out, "json": json.loads(done.stdout)}


def test_clip_format_is_what_platforms_expect(clip: dict) -> None:
    info = probe(clip["out"])
    assert (info.width, info.height) == (1080, 1920)
    assert info.fps == 30
    assert (info.vcodec, info.profile, info.pix_fmt) == ("h264", "High", "yuv420p")
    assert (info.acodec, info.sample_rate, info.channels) == ("aac", 48000, 2)
    assert info.moov_first
    # intro 3.5 + 2 points x 3.5 + end 3.0, less three 0.4 s cross-fades
    assert abs(info.duration - 12.3) < 0.1
    assert clip["json"]["duration_s"] == 12.3


def test_master_passes_every_vertical_platform_and_x_gets_its_rendition(clip: dict) -> None:
    info = probe(clip["out"])
    for platform in ("facebook", "youtube", "tiktok", "zalo", "telegram"):
        assert problems(info, platform) == []
    assert problems(info, "x") == ["x: 1920 px tall, at most 1024"]
    x_copy = Path(clip["json"]["renditions"]["x"])
    x_info = probe(x_copy)
    assert (x_info.width, x_info.height) == (576, 1024)
    assert problems(x_info, "x") == []
    assert set(LIMITS) == {"facebook", "youtube", "tiktok", "x", "zalo", "telegram"}


def test_srt_has_each_caption_in_sequence(clip: dict) -> None:
    srt = Path(clip["json"]["srt"]).read_text(encoding="utf-8")
    blocks = [b.splitlines() for b in srt.strip().split("\n\n")]
    assert [b[0] for b in blocks] == ["1", "2", "3"]
    assert [b[2] for b in blocks] == ["Bầu cử 15/3/2026", *POINTS]
    assert blocks[1][1] == "00:00:03,250 --> 00:00:06,200"


def test_media_check_command_reports_per_platform(clip: dict) -> None:
    done = phuxanh("media", "check", str(clip["out"]), "--platform", "x")
    assert done.returncode == 1
    assert json.loads(done.stdout)["problems"] == {"x": ["x: 1920 px tall, at most 1024"]}
    ok = phuxanh("media", "check", str(clip["out"]), "--platform", "tiktok")
    assert ok.returncode == 0


def test_zero_points_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    data = tmp_path / "d.yaml"
    data.write_text("title: Bầu cử\npoints: []\nsource: 'Nguồn: Luật'\n", encoding="utf-8")
    out = tmp_path / "x.mp4"
    done = phuxanh("render", "clip", "--template", "short-points", "--data", str(data),
                   "-o", str(out), "--database", f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert done.returncode == 1
    assert done.stderr.strip() == f"{data}:2: points: required (list)"
    assert list(tmp_path.glob("*.mp4")) == [] and "Traceback" not in done.stderr


def test_duration_outside_6_to_60_seconds_is_an_error() -> None:
    spec = load_template(ASSETS, "short-points")
    many = CardValues({"title": "T", "points": ["Một ý."] * 20, "source": "Nguồn: X"})
    with pytest.raises(ValidationFailed, match=r"points: 20 items make a 68\.1 s clip"):
        build_scenes(spec, many, load_brand(ASSETS, "ttdn-haiphong"), lang="vi")


def test_unreadable_music_is_a_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "d.yaml"
    data.write_text("title: Bầu cử\npoints: [Một ý.]\nsource: 'Nguồn: Luật'\n",
                    encoding="utf-8")
    music = tmp_path / "song.mp3"
    music.write_bytes(b"not audio at all")
    done = phuxanh("render", "clip", "--template", "short-points", "--data", str(data),
                   "-o", str(tmp_path / "x.mp4"), "--music", str(music),
                   "--database", f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert done.returncode == 1
    assert done.stderr.startswith(f"--music: {music}: not a readable audio file")
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob(".*part*"))
