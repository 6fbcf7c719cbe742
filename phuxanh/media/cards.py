"""Brand kits (`assets/brands/*.yaml`) and the card entry point used by the composer and CLI.

A brand kit gives an office's name (vi/en), colours by role, footer text per language,
fonts by role and an optional logo (PNG with transparency). Drawing lives in `render`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from phuxanh.core.errors import ConfigError, ValidationFailed
from phuxanh.core.yamlio import load_located, validate_doc
from phuxanh.media.images import image_problem
from phuxanh.media.inputs import FactText

COLOUR = r"^#[0-9A-Fa-f]{6}$"
BRAND_CODE = re.compile(r"[a-z0-9][a-z0-9-]*")
ROLES = ("primary", "secondary", "accent", "text", "muted")


class _BrandFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    name: str
    name_en: str
    colors: dict[str, str]
    footer: dict[str, str]
    fonts: dict[str, str]
    logo: str | None = None
    note: str = ""
    languages: list[str] = Field(default_factory=lambda: ["vi", "en"])


@dataclass(frozen=True)
class Brand:
    code: str
    name: dict[str, str]
    colors: dict[str, str]
    footer: dict[str, str]
    fonts: dict[str, Path]
    assets_dir: Path = Path()
    logo: Path | None = None
    sha256: str = ""


def _inside(folder: Path, name: str) -> Path | None:
    """`folder / name` when it stays inside `folder` (no `..`, no absolute path)."""
    path = folder / name
    return path if path.resolve().is_relative_to(folder.resolve()) else None


def load_brand(assets_dir: Path, code: str) -> Brand:
    """The brand kit `assets/brands/CODE.yaml`. A code is a plain name (`ttdn-haiphong`),
    never a path, and the kit's logo and fonts stay inside `assets/`."""
    known = ", ".join(brand_codes(assets_dir))
    if not BRAND_CODE.fullmatch(code):
        raise ConfigError(
            f"brand kit {code!r} is not a brand code (a-z, 0-9 and -; known: {known})"
        )
    path = assets_dir / "brands" / f"{code}.yaml"
    if not path.is_file():
        raise ConfigError(f"{path}: brand kit {code!r} not found (known: {known})")
    doc = load_located(path)
    data = validate_doc(doc, _BrandFile)
    problems = []
    for role in ROLES:
        value = data.colors.get(role, "")
        if not re.match(COLOUR, value):
            problems.append(
                f"{path}:{doc.line_of(('colors', role))}: colors.{role}: "
                f"expected #RRGGBB, got {value!r}"
            )
    for lang in ("vi", "en"):
        if lang not in data.footer:
            problems.append(f"{path}:{doc.line_of(('footer',))}: footer.{lang}: missing")
    fonts = {k: assets_dir / "fonts" / v for k, v in data.fonts.items()}
    for role in ("heading", "body", "small"):
        if role not in fonts or not fonts[role].is_file():
            problems.append(
                f"{path}:{doc.line_of(('fonts', role))}: fonts.{role}: "
                f"{fonts.get(role)} does not exist"
            )
    problems += [
        f"{path}:{doc.line_of(('fonts', role))}: fonts.{role}: {name} is outside "
        f"{assets_dir / 'fonts'}"
        for role, name in data.fonts.items()
        if _inside(assets_dir / "fonts", name) is None
    ]
    logo = _inside(assets_dir / "brands", data.logo) if data.logo else None
    if data.logo and logo is None:
        problems.append(
            f"{path}:{doc.line_of(('logo',))}: logo: {data.logo} is outside {assets_dir / 'brands'}"
        )
    elif logo is not None and not logo.is_file():
        problems.append(f"{path}:{doc.line_of(('logo',))}: logo: {logo} does not exist")
    elif logo is not None and (bad := image_problem(logo)):
        problems.append(f"{path}:{doc.line_of(('logo',))}: logo: {bad}")
    if problems:
        raise ValidationFailed(problems)
    digest = hashlib.sha256(path.read_bytes() + (logo.read_bytes() if logo else b""))
    return Brand(
        code=data.code,
        name={"vi": data.name, "en": data.name_en},
        colors=data.colors,
        footer=data.footer,
        fonts=fonts,
        assets_dir=assets_dir,
        logo=logo,
        sha256=digest.hexdigest(),
    )


def brand_codes(assets_dir: Path) -> list[str]:
    return sorted(p.stem for p in (assets_dir / "brands").glob("*.yaml"))


def source_line(*, title: str, number: str | None, url: str | None, lang: str) -> str:
    label = "Nguồn" if lang == "vi" else "Source"
    ref = number or url or ""
    shown = title if not ref or ref in title else f"{title} ({ref})"
    return f"{label}: {shown}"


class FactRow(Protocol):
    """The parts of a catalog `Fact` a card uses (media stays free of the database)."""

    id: int | None
    text_vi: str
    text_en: str
    figure: str | None
    unit_vi: str | None
    unit_en: str | None
    source_title: str
    source_number: str | None
    source_url: str | None


def fact_text(f: FactRow) -> FactText:
    """A fact as card input: text, figure, unit and the source line, per language."""
    source = {
        lang: source_line(title=f.source_title, number=f.source_number, url=f.source_url, lang=lang)
        for lang in ("vi", "en")
    }
    unit = {k: v for k, v in (("vi", f.unit_vi), ("en", f.unit_en)) if v}
    return FactText(
        id=f.id or 0,
        text={"vi": f.text_vi, "en": f.text_en},
        source=source,
        figure=f.figure,
        unit=unit,
    )
