"""Templates + data files → finished cards and clips on disk, with provenance in the database.

Used by `phuxanh render card|clip` and the composer. Output is written to a temporary name
beside the target and renamed into place, so a failure never leaves a half-written file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from phuxanh.core.errors import ValidationFailed
from phuxanh.media.cards import Brand, fact_text
from phuxanh.media.inputs import CardValues, FactText, computed, load_values
from phuxanh.media.render import render_card
from phuxanh.media.stored import to_stored
from phuxanh.media.templates import TemplateSpec, TextLayer
from phuxanh.models import Asset, Fact, Template


def needed_langs(spec: TemplateSpec, lang: str) -> set[str]:
    """The card's language plus any language a layer is fixed to (bilingual cards)."""
    layers = list(spec.layers)
    if spec.clip is not None:
        layers += spec.clip.intro.layers + spec.clip.item.layers + spec.clip.end.layers
    return {lang} | {layer.lang for layer in layers if isinstance(layer, TextLayer) and layer.lang}


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def fact_lookup(session: Session) -> Callable[[str], FactText | None]:
    def find(code: str) -> FactText | None:
        fact = session.exec(select(Fact).where(Fact.code == code)).first()
        if fact is None:
            return None
        if not fact.is_sourced:
            raise ValidationFailed([f"fact: {code!r} has no source and cannot be shown"])
        return fact_text(fact)

    return find


def ensure_template_row(session: Session, spec: TemplateSpec) -> Template:
    row = session.exec(
        select(Template).where(Template.code == spec.id, Template.version == spec.version)
    ).first()
    if row is None:
        row = Template(
            code=spec.id,
            version=spec.version,
            kind=spec.kind,
            width=spec.wh[0],
            height=spec.wh[1],
            spec_sha256=spec.sha256,
        )
        session.add(row)
        session.flush()
    elif row.spec_sha256 != spec.sha256:
        raise ValidationFailed(
            [
                f"assets/templates/{spec.id}.yaml: version: the template changed but its version "
                f"is still {spec.version}; raise the version so past assets keep their provenance"
            ]
        )
    return row


@dataclass(frozen=True)
class Rendered:
    path: Path
    sha256: str
    input_sha256: str
    fact_ids: list[int]


def record_asset(
    session: Session, spec: TemplateSpec, out: Rendered, content_item_id: int | None = None
) -> Asset:
    ensure_template_row(session, spec)
    asset = Asset(
        content_item_id=content_item_id,
        path=to_stored(out.path),
        sha256=out.sha256,
        template_code=spec.id,
        template_version=spec.version,
        input_sha256=out.input_sha256,
        fact_ids=out.fact_ids,
    )
    session.add(asset)
    session.flush()
    return asset


def input_digest(
    spec: TemplateSpec, values: CardValues, brand: Brand, lang: str, extra: dict[str, Any]
) -> str:
    blob = f"{spec.id}:{spec.version}:{brand.code}:{brand.sha256}:{lang}:{sorted(extra.items())}"
    return hashlib.sha256(f"{blob}:{values.sha256()}".encode()).hexdigest()


def card(
    spec: TemplateSpec, values: CardValues, brand: Brand, *, lang: str, out: Path, today: dt.date
) -> Rendered:
    fmt = out.suffix.lower().lstrip(".")
    extra = computed(spec, values, today)
    data = render_card(spec, values, brand, lang=lang, fmt=fmt, extra=extra)
    write_atomic(out, data)
    return Rendered(
        out,
        hashlib.sha256(data).hexdigest(),
        input_digest(spec, values, brand, lang, extra),
        values.fact_ids,
    )


def card_from_file(
    session: Session,
    spec: TemplateSpec,
    data_file: Path,
    brand: Brand,
    *,
    lang: str,
    out: Path,
    today: dt.date,
) -> Rendered:
    if out.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise ValidationFailed([f"-o: {out.name}: a card is written as .png or .jpg"])
    values = load_values(
        spec, data_file, langs=needed_langs(spec, lang), facts=fact_lookup(session)
    )
    rendered = card(spec, values, brand, lang=lang, out=out, today=today)
    record_asset(session, spec, rendered)
    return rendered


X_SIZE = (576, 1024)  # 9:16 inside X's 1280x1024 cap


def clip(
    spec: TemplateSpec, values: CardValues, brand: Brand, *, lang: str, out: Path, preset: str
) -> Rendered:
    """Render a clip and its .srt beside it (no music: the composer's clips are silent
    with captions burnt in, which the platforms accept and people watch muted)."""
    from phuxanh.media.clips import render_clip

    _, subtitles = render_clip(spec, values, brand, lang=lang, out=out, preset=preset)
    write_atomic(out.with_suffix(".srt"), subtitles.encode("utf-8"))
    return Rendered(
        out,
        hashlib.sha256(out.read_bytes()).hexdigest(),
        input_digest(spec, values, brand, lang, {"music": None}),
        values.fact_ids,
    )


def clip_from_file(
    session: Session,
    spec: TemplateSpec,
    data_file: Path,
    brand: Brand,
    *,
    lang: str,
    out: Path,
    music: Path | None,
    preset: str,
    x_rendition: bool = True,
) -> dict[str, Any]:
    """Render a clip, its .srt and (by default) the X rendition; record their provenance."""
    from phuxanh.media.clips import render_clip, rendition

    if out.suffix.lower() != ".mp4":
        raise ValidationFailed([f"-o: {out.name}: a clip is written as .mp4"])
    if spec.kind != "clip":
        raise ValidationFailed([f"--template: {spec.id} is a {spec.kind} template, not a clip"])
    values = load_values(
        spec, data_file, langs=needed_langs(spec, lang), facts=fact_lookup(session)
    )
    duration, subtitles = render_clip(
        spec, values, brand, lang=lang, out=out, music=music, preset=preset
    )
    srt_path = out.with_suffix(".srt")
    write_atomic(srt_path, subtitles.encode("utf-8"))
    extra = {"music": hashlib.sha256(music.read_bytes()).hexdigest() if music else None}
    digest = input_digest(spec, values, brand, lang, extra)
    files = [out]
    if x_rendition:
        x_out = out.with_name(f"{out.stem}.x.mp4")
        rendition(out, x_out, size=X_SIZE, fps=spec.clip.fps if spec.clip else 30, preset=preset)
        files.append(x_out)
    for path in files:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        record_asset(session, spec, Rendered(path, sha, digest, values.fact_ids))
    return {
        "path": str(out),
        "srt": str(srt_path),
        "renditions": {"x": str(files[1])} if x_rendition else {},
        "duration_s": round(duration, 2),
        "template": spec.id,
        "version": spec.version,
        "input_sha256": digest,
        "fact_ids": values.fact_ids,
    }
