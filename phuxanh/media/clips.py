"""Short vertical clips: scenes made of cards, slow zoom/pan, captions in sequence, an end slate.

MoviePy assembles the clip (a frame-function clip on the timeline, the audio track, the
ffmpeg encode). Its own compositor turns every frame into full-size RGBA and alpha-blends
it with float masks, which made a 15 s clip 4-8x slower than the encode alone here. So each
frame is built cheaply from layers rendered once: the scene's card (upscaled once for a
pan), a caption panel pasted with its alpha over its own box, Pillow's C blend for
cross-fades. Only the zoom scene resamples per frame (Pillow, in C). The end slate is a
single frame reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from phuxanh.core.errors import ValidationFailed
from phuxanh.media.cards import Brand
from phuxanh.media.inputs import CardValues
from phuxanh.media.probe import audio_problem
from phuxanh.media.render import Context, compose, font_path, rgb
from phuxanh.media.templates import Captions, Scene, TemplateSpec
from phuxanh.media.text import fit_text

MIN_SECONDS, MAX_SECONDS = 6.0, 60.0
# x264's speed presets, fastest first (its "placebo" is left out: hours for no gain)
PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
)
PAN = 1.05  # pan scenes are upscaled once by this factor and a window slides over them
ZOOM = 1.07  # zoom scenes go from 1 to this factor (or back)
FADE_IN = 0.35  # caption fade-in


@dataclass
class SceneFrames:
    """One scene: where it sits on the timeline and how to make its frames."""

    start: float
    seconds: float
    motion: str
    card: Image.Image  # RGB, upscaled for pans
    caption: Image.Image | None  # RGBA panel, full-frame coordinates at caption_at
    caption_at: tuple[int, int]
    caption_text: str
    size: tuple[int, int]
    _still: np.ndarray | None = None

    def frame(self, t: float) -> Image.Image:
        """The scene's picture at local time t (seconds from the scene's start)."""
        w, h = self.size
        p = min(max(t / self.seconds, 0.0), 1.0)
        p = p * p * (3 - 2 * p)  # ease in and out
        if self.motion in ("zoom-in", "zoom-out"):
            z = 1 + (ZOOM - 1) * (p if self.motion == "zoom-in" else 1 - p)
            cw, ch = w / z, h / z
            box = ((w - cw) / 2, (h - ch) / 2, (w + cw) / 2, (h + ch) / 2)
            img = self.card.resize((w, h), Image.Resampling.BILINEAR, box=box)
        elif self.motion in ("pan-up", "pan-down"):
            spare = self.card.height - h
            top = round(spare * (1 - p if self.motion == "pan-up" else p))
            left = (self.card.width - w) // 2
            img = self.card.crop((left, top, left + w, top + h))
        else:
            img = self.card.copy()
        if self.caption is not None and t > 0.15:
            alpha = min((t - 0.15) / FADE_IN, 1.0)
            panel = (
                self.caption
                if alpha >= 1
                else _faded(id(self.caption), self.caption, round(alpha * 10))
            )
            img.paste(panel, self.caption_at, panel)
        return img


_FADES: dict[tuple[int, int], Image.Image] = {}


def _faded(key: int, panel: Image.Image, step: int) -> Image.Image:
    """The caption panel at step/10 opacity (11 levels, each made once)."""
    cached = _FADES.get((key, step))
    if cached is None:
        cached = panel.copy()
        cached.putalpha(panel.getchannel("A").point(lambda a: a * step // 10))
        _FADES[(key, step)] = cached
    return cached


def caption_panel(text: str, style: Captions, brand: Brand, lang: str = "vi") -> Image.Image:
    w, h = style.box[2], style.box[3]
    pad = 36
    fitted = fit_text(
        text,
        font_path(brand, style.font, lang),
        lang=lang,
        field="caption",
        width=w - 2 * pad,
        height=h - 2 * pad,
        max_size=style.size[1],
        min_size=style.size[0],
        max_lines=style.max_lines,
        leading=1.22,
    )
    ph = fitted.height + 2 * pad
    panel = Image.new("RGBA", (w, ph), (*rgb(brand, style.panel), 0))
    draw = ImageDraw.Draw(panel)
    draw.rounded_rectangle(
        (0, 0, w - 1, ph - 1), 28, fill=(*rgb(brand, style.panel), round(255 * style.panel_opacity))
    )
    draw.rectangle((0, 20, 10, ph - 20), fill=(*rgb(brand, "accent"), 255))
    cy = pad
    for line in fitted.lines:
        draw.text((pad + 12, cy), line, font=fitted.font, fill=(*rgb(brand, style.color), 255))
        cy += fitted.line_height
    return panel


def build_scenes(
    spec: TemplateSpec, values: CardValues, brand: Brand, *, lang: str
) -> list[SceneFrames]:
    clip = spec.clip
    assert clip is not None
    items = values.get(clip.each, lang) or []
    plan: list[tuple[Scene, dict[str, Any]]] = [(clip.intro, {})]
    plan += [
        (clip.item, {"index": n, "item": item, "count": len(items)})
        for n, item in enumerate(items, start=1)
    ]
    plan.append((clip.end, {}))
    total = sum(s.seconds for s, _ in plan) - clip.transition * (len(plan) - 1)
    if not MIN_SECONDS <= total <= MAX_SECONDS:
        raise ValidationFailed(
            [
                f"{clip.each}: {len(items)} items make a {total:.1f} s clip; a clip runs "
                f"{MIN_SECONDS:.0f}-{MAX_SECONDS:.0f} s"
            ]
        )
    scenes, start = [], 0.0
    size = spec.wh
    for scene, extra in plan:
        card = compose(spec, values, brand, lang=lang, layers=scene.layers, extra=extra)
        if scene.motion.startswith("pan"):
            card = card.resize(
                (round(size[0] * PAN), round(size[1] * PAN)), Image.Resampling.LANCZOS
            )
        text = ""
        if scene.caption is not None:
            template = scene.caption if isinstance(scene.caption, str) else scene.caption[lang]
            text = Context(brand, lang, values, extra).fill(template)
        panel = caption_panel(text, clip.captions, brand, lang) if text else None
        at = (
            clip.captions.box[0],
            clip.captions.box[1] + (clip.captions.box[3] - (panel.height if panel else 0)),
        )
        scenes.append(SceneFrames(start, scene.seconds, scene.motion, card, panel, at, text, size))
        start += scene.seconds - clip.transition
    return scenes


def timeline_frame(scenes: list[SceneFrames], transition: float, t: float) -> np.ndarray:
    """The frame at time t: the current scene, cross-faded with the next near the cut."""
    i = max(k for k, s in enumerate(scenes) if s.start <= t or k == 0)
    scene = scenes[i]
    if i > 0 and t < scene.start + transition:
        prev = scenes[i - 1]
        a = prev.frame(t - prev.start)
        b = scene.frame(t - scene.start)
        return np.asarray(Image.blend(a, b, (t - scene.start) / transition))
    if scene.motion == "still" and scene.caption is None:
        if scene._still is None:
            scene._still = np.asarray(scene.frame(0))
        return scene._still
    return np.asarray(scene.frame(t - scene.start))


def srt(scenes: list[SceneFrames], transition: float) -> str:
    def stamp(s: float) -> str:
        ms = round(s * 1000)
        hours, minutes, secs = ms // 3_600_000, ms // 60_000 % 60, ms // 1000 % 60
        return f"{hours:02d}:{minutes:02d}:{secs:02d},{ms % 1000:03d}"

    blocks, n = [], 0
    for k, scene in enumerate(scenes):
        if not scene.caption_text:
            continue
        n += 1
        end = scene.start + scene.seconds - (transition if k < len(scenes) - 1 else 0)
        blocks.append(f"{n}\n{stamp(scene.start + 0.15)} --> {stamp(end)}\n{scene.caption_text}\n")
    return "\n".join(blocks)


def audio_track(duration: float, music: Path | None) -> Any:
    """The music (trimmed, faded out) or a silent stereo track: platforms expect audio."""
    from moviepy import AudioClip, AudioFileClip, afx

    if music is None:

        def silent(t: Any) -> np.ndarray:
            n = len(t) if isinstance(t, np.ndarray) else 1
            return np.zeros((n, 2)) if isinstance(t, np.ndarray) else np.zeros(2)

        return AudioClip(silent, duration=duration, fps=48000)
    bad = audio_problem(music, at_least=duration)  # ffprobe first: moviepy's own failure
    if bad:  # is a traceback from its destructor
        raise ValidationFailed([f"--music: {bad}"])
    try:
        track = AudioFileClip(str(music))
    except (OSError, KeyError, IndexError) as exc:
        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise ValidationFailed([f"--music: {music}: not a readable audio file ({why})"]) from exc
    return track.subclipped(0, duration).with_effects([afx.AudioFadeOut(1.0)])


def check_preset(preset: str, name: str = "--preset") -> str:
    """`preset` when it is one of x264's presets; else ValidationFailed naming `name` (the
    flag or the setting it came from)."""
    if preset not in PRESETS:
        raise ValidationFailed(
            [f"{name}: {preset!r} is not an x264 preset (one of {', '.join(PRESETS)})"]
        )
    return preset


def encode_params(fps: int) -> list[str]:
    """H.264 High, yuv420p, closed 2 s GOPs, moov first: what every platform accepts."""
    return [
        "-crf",
        "20",
        "-profile:v",
        "high",
        "-level",
        "4.1",
        "-g",
        str(2 * fps),
        "-keyint_min",
        str(fps),
        "-sc_threshold",
        "0",
        "-movflags",
        "+faststart",
        "-pix_fmt",
        "yuv420p",
        "-ar",
        "48000",
        "-ac",
        "2",
    ]


def render_clip(
    spec: TemplateSpec,
    values: CardValues,
    brand: Brand,
    *,
    lang: str,
    out: Path,
    music: Path | None = None,
    preset: str = "medium",
) -> tuple[float, str]:
    """Write the clip to `out` (atomically) and return (duration, srt text)."""
    from moviepy import VideoClip

    if spec.kind != "clip" or spec.clip is None:
        raise ValidationFailed([f"--template: {spec.id} is a {spec.kind} template, not a clip"])
    check_preset(preset, "preset (--preset or PHUXANH_CLIP_PRESET)")
    clip_spec = spec.clip
    scenes = build_scenes(spec, values, brand, lang=lang)
    duration = scenes[-1].start + scenes[-1].seconds
    video = VideoClip(
        lambda t: timeline_frame(scenes, clip_spec.transition, t), duration=duration
    ).with_audio(audio_track(duration, music))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.part.mp4")
    audio_tmp = out.with_name(f".{out.stem}.part.m4a")
    try:
        video.write_videofile(
            str(tmp),
            fps=clip_spec.fps,
            codec="libx264",
            audio_codec="aac",
            audio_fps=48000,
            audio_bitrate="160k",
            preset=preset,
            threads=2,
            ffmpeg_params=encode_params(clip_spec.fps),
            temp_audiofile=str(audio_tmp),
            logger=None,
        )
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
        audio_tmp.unlink(missing_ok=True)
        video.close()
    return duration, srt(scenes, clip_spec.transition)


def rendition(
    master: Path, out: Path, *, size: tuple[int, int], fps: int, preset: str = "medium"
) -> None:
    """A smaller copy for platforms with a lower size cap (X: at most 1280x1024)."""
    import subprocess

    import imageio_ffmpeg

    check_preset(preset, "preset (--preset or PHUXANH_CLIP_PRESET)")
    tmp = out.with_name(f".{out.stem}.part.mp4")
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-y",
        "-loglevel",
        "error",
        "-i",
        str(master),
        "-vf",
        f"scale={size[0]}:{size[1]}:flags=lanczos",
        "-c:v",
        "libx264",
        "-preset",
        preset,
        *encode_params(fps),
        "-c:a",
        "copy",
        str(tmp),
    ]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=600)
        if done.returncode != 0:
            raise ValidationFailed([f"{out}: ffmpeg failed: {done.stderr.strip()[:300]}"])
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
