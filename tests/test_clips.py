"""Clips through the command line, checked with ffprobe: size, fps, codec, pixel format,
audio, moov before mdat, duration; the .srt; every platform's limits; bad input."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from phuxanh.core.errors import ValidationFailed
from phuxanh.media.cards import load_brand
from phuxanh.media.clips import build_scenes
from phuxanh.media.inputs import CardValues
from phuxanh.media.probe import probe
from phuxanh.media.templates import load_template
from phuxanh.platforms.video import LIMITS, problems
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
    data.write_text(
        yaml.safe_dump(
            {
                "title": "Bầu cử 15/3/2026",
                "points": POINTS,
                "source": "Nguồn: Luật Bầu cử (85/2015/QH13)",
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    out = tmp / "out" / "bau-cu.mp4"
    out.parent.mkdir()  # -o into a missing folder is refused (test_cli_media)
    done = phuxanh(
        "render",
        "clip",
        "--template",
        "short-points",
        "--data",
        str(data),
        "-o",
        str(out),
        "--preset",
        "veryfast",
        "--database",
        f"sqlite:///{tmp / 'db.sqlite'}",
    )
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
    done = phuxanh(
        "render",
        "clip",
        "--template",
        "short-points",
        "--data",
        str(data),
        "-o",
        str(out),
        "--database",
        f"sqlite:///{tmp_path / 'db.sqlite'}",
    )
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
    data.write_text("title: Bầu cử\npoints: [Một ý.]\nsource: 'Nguồn: Luật'\n", encoding="utf-8")
    music = tmp_path / "song.mp3"
    music.write_bytes(b"not audio at all")
    done = phuxanh(
        "render",
        "clip",
        "--template",
        "short-points",
        "--data",
        str(data),
        "-o",
        str(tmp_path / "x.mp4"),
        "--music",
        str(music),
        "--database",
        f"sqlite:///{tmp_path / 'db.sqlite'}",
    )
    assert done.returncode == 1
    assert done.stderr.startswith(f"--music: {music}: not a readable audio file")
    # one line: moviepy's reader never sees the file, so its destructor prints nothing
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob(".*part*"))


def ffmpeg(*args: str) -> None:
    import subprocess

    import imageio_ffmpeg

    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", *args], check=True, timeout=60
    )


@pytest.fixture
def tools() -> None:
    if shutil.which("ffprobe") is None:
        pytest.skip("ffprobe not installed (CI installs ffmpeg)")


def test_music_without_sound_or_too_short_is_refused(tmp_path: Path, tools: None) -> None:
    from phuxanh.media.clips import audio_track

    picture = ROOT / "tests" / "data" / "tiny.png"  # ffprobe reads it: a video stream only
    with pytest.raises(ValidationFailed) as err:
        audio_track(10.0, picture)
    assert err.value.problems == [
        f"--music: {picture}: not a readable audio file (ffprobe finds no audio stream)"
    ]
    short = tmp_path / "short.m4a"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "1", "-c:a", "aac", str(short))
    with pytest.raises(ValidationFailed) as err:
        audio_track(10.0, short)
    assert err.value.problems == [f"--music: {short}: 1.0 s is shorter than the clip (10.0 s)"]


def test_preset_and_its_setting_are_x264_presets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from phuxanh.core.settings import get_settings
    from phuxanh.media.clips import PRESETS, check_preset
    from tests.test_cli_media import refused

    args = (
        "render",
        "clip",
        "--template",
        "short-points",
        "--data",
        str(ROOT / "content" / "samples" / "short-points.yaml"),
        "-o",
        str(tmp_path / "c.mp4"),
        "--database",
        f"sqlite:///{tmp_path / 'db'}",
    )
    assert refused(capsys, *args, "--preset", "warp9") == (
        "--preset: 'warp9' is not an x264 preset (one of ultrafast, superfast, veryfast, "
        "faster, fast, medium, slow, slower, veryslow)"
    )
    monkeypatch.setenv("PHUXANH_CLIP_PRESET", "-vf drawtext")
    get_settings.cache_clear()
    assert refused(capsys, *args).startswith(
        "PHUXANH_CLIP_PRESET: '-vf drawtext' is not an x264 preset"
    )
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob(".*part*"))
    assert [check_preset(p) for p in PRESETS] == list(PRESETS)


def test_a_file_that_is_no_video_is_one_error_naming_it(tmp_path: Path, tools: None) -> None:
    from phuxanh.core.errors import ConfigError

    picture = ROOT / "tests" / "data" / "tiny.png"
    with pytest.raises(ConfigError, match=rf"^{picture}: not a video phuxanh can post"):
        probe(picture)
    (tmp_path / "notes.txt").write_text("not a video\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"notes\.txt: ffprobe cannot read it: "):
        probe(tmp_path / "notes.txt")
    done = phuxanh("media", "check", str(picture), "--platform", "tiktok")
    assert done.returncode == 1 and done.stderr.strip().count("\n") == 0
    assert done.stderr.startswith(f"error: {picture}: not a video")


def test_an_attached_video_is_checked_for_its_frame_size(tmp_path: Path, tools: None) -> None:
    from phuxanh.media.checks import media_problem

    small, big = tmp_path / "small.mp4", tmp_path / "big.mov"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "color=c=black:s=64x64:d=1",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        str(small),
    )
    # one 10000 x 7000 frame (70 Mpx), PNG-coded: a few KB on disk
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "color=c=black:s=10000x7000:d=0.04:r=25",
        "-frames:v",
        "1",
        "-c:v",
        "png",
        "-pix_fmt",
        "monob",
        str(big),
    )
    assert media_problem(small) is None
    assert media_problem(big) == (
        f"{big}: 10000×7000 frames are more than the 60 Mpx an image may have"
    )
    (tmp_path / "fake.mp4").write_text("not a video", encoding="utf-8")
    assert (media_problem(tmp_path / "fake.mp4") or "").startswith(
        f"{tmp_path / 'fake.mp4'}: ffprobe cannot read it"
    )
