"""Brand kits (`assets/brands/*.yaml`) and the card entry point used by the composer and CLI.

A brand kit gives an office's name (vi/en, and `names:` in other languages), colours by
role, footer text per language, fonts by role and an optional logo (PNG with transparency).
Fonts by language: `assets/fonts/languages.yaml` says which font draws each role in
languages the brand fonts cannot (Chinese, Korean, Japanese); a kit's `fonts_by_lang:`
overrides it. A font is chosen by that data only: text the chosen font cannot draw is
refused by the glyph check (`text`), never drawn in another font. Drawing lives in `render`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from phuxanh.core.errors import ConfigError, ValidationFailed
from phuxanh.core.yamlio import load_located, validate_doc
from phuxanh.media.images import image_problem
from phuxanh.media.inputs import FactText
from phuxanh.media.text import Face

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
    names: dict[str, str] = Field(default_factory=dict)  # the name in other languages
    fonts_by_lang: dict[str, dict[str, str]] = Field(default_factory=dict)


class _LanguageFonts(BaseModel):
    """`assets/fonts/languages.yaml`."""

    model_config = ConfigDict(extra="forbid")
    dirs: list[str] = Field(default_factory=list)
    install: str = ""
    languages: dict[str, dict[str, str]] = Field(default_factory=dict)


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
    # language -> role -> font ("FILE" or "FILE#FAMILY" for one font of a .ttc collection)
    lang_fonts: dict[str, dict[str, str]] = field(default_factory=dict)
    font_dirs: tuple[Path, ...] = ()
    font_install: str = ""
    source: Path = Path()


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
    by_lang, dirs, install, map_bytes = _language_fonts(assets_dir)
    for lang, roles in data.fonts_by_lang.items():
        problems += [
            f"{path}:{doc.line_of(('fonts_by_lang', lang, role))}: fonts_by_lang.{lang}.{role}: "
            "not a font role (heading, body, small)"
            for role in roles
            if role not in ("heading", "body", "small")
        ]
        by_lang[lang] = {**by_lang.get(lang, {}), **roles}
    if problems:
        raise ValidationFailed(problems)
    digest = hashlib.sha256(path.read_bytes() + (logo.read_bytes() if logo else b"") + map_bytes)
    return Brand(
        code=data.code,
        name={**data.names, "vi": data.name, "en": data.name_en},
        colors=data.colors,
        footer=data.footer,
        fonts=fonts,
        assets_dir=assets_dir,
        logo=logo,
        sha256=digest.hexdigest(),
        lang_fonts=by_lang,
        font_dirs=dirs,
        font_install=install,
        source=path,
    )


def _language_fonts(
    assets_dir: Path,
) -> tuple[dict[str, dict[str, str]], tuple[Path, ...], str, bytes]:
    """Fonts by language from `assets/fonts/languages.yaml` (none when the file is absent)."""
    path = assets_dir / "fonts" / "languages.yaml"
    if not path.is_file():
        return {}, (), "", b""
    doc = load_located(path)
    data = validate_doc(doc, _LanguageFonts)
    bad = [
        f"{path}:{doc.line_of(('languages', lang, role))}: languages.{lang}.{role}: "
        "not a font role (heading, body, small)"
        for lang, roles in data.languages.items()
        for role in roles
        if role not in ("heading", "body", "small")
    ]
    if bad:
        raise ValidationFailed(bad)
    by_lang = {lang: dict(roles) for lang, roles in data.languages.items()}
    return by_lang, tuple(Path(d) for d in data.dirs), data.install, path.read_bytes()


def brand_text(brand: Brand, what: str, lang: str) -> str:
    """The kit's name or footer in `lang`; a language the kit lacks is an error naming the
    file and the key, never the Vietnamese text instead."""
    texts = brand.name if what == "name" else brand.footer
    if lang not in texts:
        key = {"name": "names", "footer": "footer"}[what]
        if what == "name" and lang in ("vi", "en"):
            key = "name" if lang == "vi" else "name_en"
            raise ConfigError(f"{brand.source}: {key}: missing")
        raise ConfigError(f"{brand.source}: {key}.{lang}: the brand kit has no {lang} {what}")
    return texts[lang]


def brand_face(brand: Brand, role: str, lang: str) -> Face | None:
    """The font for `role` in `lang` by the fonts-by-language data; None: the kit's font."""
    ref = brand.lang_fonts.get(lang, {}).get(role)
    if ref is None:
        return None
    return _resolve_face(
        ref, brand.assets_dir / "fonts", brand.font_dirs, brand.font_install, lang, role
    )


@lru_cache(maxsize=64)
def _resolve_face(
    ref: str, fonts_dir: Path, dirs: tuple[Path, ...], install: str, lang: str, role: str
) -> Face:
    from fontTools.ttLib import TTCollection, TTLibError

    name, _, family = ref.partition("#")
    where = [fonts_dir, *dirs]
    found = next((d / name for d in where if (d / name).is_file()), None)
    if found is None or _inside(found.parent, name) is None:
        shown = ", ".join(str(d) for d in where)
        hint = f"; {install}" if install else ""
        raise ConfigError(f"fonts for {lang} ({role}): {name} is in none of {shown}{hint}")
    if not family:
        return Face(found)
    try:
        with TTCollection(str(found), lazy=True) as collection:
            for index, font in enumerate(collection.fonts):
                names = font["name"]
                if family in (names.getDebugName(16), names.getDebugName(1)):
                    return Face(found, index, family)
    except TTLibError as exc:
        raise ConfigError(
            f"fonts for {lang} ({role}): {found}: not a font collection ({exc})"
        ) from exc
    raise ConfigError(f"fonts for {lang} ({role}): {found} has no font of family {family!r}")


def brand_codes(assets_dir: Path) -> list[str]:
    return sorted(p.stem for p in (assets_dir / "brands").glob("*.yaml"))


# "Source:" per language, with the separator the language uses (full-width in zh and ja).
SOURCE_LABEL = {"vi": "Nguồn: ", "en": "Source: ", "zh": "来源：", "ko": "출처: ", "ja": "出典："}


def source_line(*, title: str, number: str | None, url: str | None, lang: str) -> str:
    label = SOURCE_LABEL.get(lang, SOURCE_LABEL["en"])
    ref = number or url or ""
    shown = title if not ref or ref in title else f"{title} ({ref})"
    return f"{label}{shown}"


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
