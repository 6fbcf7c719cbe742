"""Template files (`assets/templates/*.yaml`): what a card or clip shows and where.

A template names its size (a preset or [w, h]), its input fields (the contract scripts fill,
printed by `phuxanh template list --json`) and its layers, drawn in order. Layer boxes are
pixels of the template's own size. Colours are brand roles (primary, secondary, accent,
text, muted) or #RRGGBB; fonts are brand roles (heading, body, small) or a file in
`assets/fonts/`. Text is a field (`field:`) or literal text with `{placeholders}` per
language (`text: {vi: ..., en: ...}`).
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from phuxanh.core.errors import NotFound, ValidationFailed
from phuxanh.core.yamlio import load_located, validate_doc

SIZES: dict[str, tuple[int, int]] = {
    "feed": (1080, 1350),
    "square": (1080, 1080),
    "link": (1200, 630),
    "story": (1080, 1920),
}
FieldType = Literal["text", "number", "date", "image", "list"]
Localised = str | dict[str, str]
Box = tuple[int, int, int, int]
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    type: FieldType
    required: bool = True
    max_chars: int | None = Field(default=None, gt=0)
    max_items: int | None = Field(default=None, gt=0)
    min_items: int | None = Field(default=None, ge=0)
    label: dict[str, str] = Field(default_factory=dict)


class Background(_Strict):
    type: Literal["background"]
    style: Literal["color", "gradient", "image"] = "gradient"
    color: str = "primary"
    to: str = "secondary"
    direction: Literal["vertical", "horizontal", "diagonal"] = "vertical"
    field: str | None = None
    focal: tuple[float, float] = (0.5, 0.5)
    overlay: str | None = None
    overlay_opacity: float = Field(default=0.0, ge=0, le=1)


class Rect(_Strict):
    type: Literal["rect"]
    box: Box
    color: str = "accent"
    radius: int = 0
    opacity: float = Field(default=1.0, ge=0, le=1)


class TextLayer(_Strict):
    type: Literal["text"]
    box: Box
    field: str | None = None
    text: Localised | None = None
    lang: str | None = None  # fixed language (bilingual cards); else the card's language
    font: str = "body"
    size: tuple[int, int] = (28, 48)
    color: str = "text"
    align: Literal["left", "center", "right"] = "left"
    valign: Literal["top", "middle", "bottom"] = "top"
    max_lines: int = 3
    leading: float = 1.25
    upper: bool = False

    @model_validator(mode="after")
    def _one_source(self) -> TextLayer:
        if (self.field is None) == (self.text is None):
            raise ValueError("give exactly one of field or text")
        return self


class NumberLayer(_Strict):
    """A big number (or short figure) with its unit underneath."""

    type: Literal["number"]
    box: Box
    field: str
    unit_field: str | None = None
    unit_text: Localised | None = None
    font: str = "heading"
    size: tuple[int, int] = (72, 220)
    color: str = "accent"
    unit_font: str = "body"
    unit_size: tuple[int, int] = (28, 44)
    unit_color: str = "text"
    align: Literal["left", "center", "right"] = "left"


class ListLayer(_Strict):
    """An icon list: one row per item, an icon (number, check, dot, star, arrow) before it."""

    type: Literal["list"]
    box: Box
    field: str
    icon: Literal["number", "check", "dot", "star", "arrow"] = "number"
    icon_color: str = "accent"
    icon_text_color: str = "primary"
    font: str = "body"
    size: tuple[int, int] = (28, 44)
    color: str = "text"
    max_lines: int = 3
    gap: int = 28


class Logo(_Strict):
    type: Literal["logo"]
    box: Box
    align: Literal["left", "center", "right"] = "left"


class Footer(_Strict):
    type: Literal["footer"]
    height: int = 150
    color: str = "primary"
    text_color: str = "muted"
    font: str = "small"
    size: tuple[int, int] = (20, 28)
    align: Literal["left", "center", "right"] = "left"


class SourceLayer(_Strict):
    """The source line: "Nguồn: …" / "Source: …". Required on every card showing a fact."""

    type: Literal["source"]
    box: Box
    field: str = "source"
    font: str = "small"
    size: tuple[int, int] = (18, 28)
    color: str = "muted"
    max_lines: int = 3
    align: Literal["left", "center", "right"] = "left"
    rule: bool = True


Layer = Annotated[
    Background | Rect | TextLayer | NumberLayer | ListLayer | Logo | Footer | SourceLayer,
    Field(discriminator="type"),
]


class Countdown(_Strict):
    """`days_left` = to - from (from defaults to today in Asia/Ho_Chi_Minh)."""

    to: str
    from_: str | None = Field(default=None, alias="from")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Scene(_Strict):
    layers: list[Layer]
    seconds: float = Field(gt=0, le=20)
    motion: Literal["zoom-in", "zoom-out", "pan-up", "pan-down", "still"] = "zoom-in"
    caption: Localised | None = None


class Captions(_Strict):
    box: Box
    font: str = "heading"
    size: tuple[int, int] = (40, 64)
    color: str = "text"
    panel: str = "primary"
    panel_opacity: float = Field(default=0.88, ge=0, le=1)
    max_lines: int = 4


class ClipSpec(_Strict):
    """A clip: an intro scene, one scene per item of `each`, an end slate."""

    intro: Scene
    each: str
    item: Scene
    end: Scene
    captions: Captions
    transition: float = Field(default=0.4, ge=0, le=1.5)
    fps: int = 30


class TemplateSpec(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    version: int = Field(ge=1)
    kind: Literal["card", "clip"]
    name: dict[str, str]
    description: str = ""
    size: str | tuple[int, int]
    fields: list[FieldSpec]
    layers: list[Layer] = Field(default_factory=list)
    countdown: Countdown | None = None
    clip: ClipSpec | None = None

    @property
    def wh(self) -> tuple[int, int]:
        return SIZES[self.size] if isinstance(self.size, str) else self.size

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def sha256(self) -> str:
        blob = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    @model_validator(mode="after")
    def _consistent(self) -> TemplateSpec:
        if isinstance(self.size, str) and self.size not in SIZES:
            raise ValueError(f"size: unknown preset {self.size!r} (one of {', '.join(SIZES)})")
        if self.kind == "card" and not self.layers:
            raise ValueError("a card template needs layers")
        if self.kind == "clip" and self.clip is None:
            raise ValueError("a clip template needs a clip section")
        names = {f.name for f in self.fields}
        if len(names) != len(self.fields):
            raise ValueError("fields: a name is used twice")
        known = names | {"days_left", "index", "item", "count"}
        for layer in _all_layers(self):
            for ref in _field_refs(layer):
                if ref not in known:
                    raise ValueError(f"layer {layer.type}: unknown field {ref!r}")
        return self


def _all_layers(spec: TemplateSpec) -> list[Any]:
    layers = list(spec.layers)
    if spec.clip is not None:
        for scene in (spec.clip.intro, spec.clip.item, spec.clip.end):
            layers.extend(scene.layers)
    return layers


def _field_refs(layer: Any) -> list[str]:
    refs = [getattr(layer, "field", None), getattr(layer, "unit_field", None)]
    for attr in ("text", "unit_text"):
        value = getattr(layer, attr, None)
        texts = value.values() if isinstance(value, dict) else [value] if value else []
        for text in texts:
            refs.extend(m.split(".")[0] for m in PLACEHOLDER.findall(text))
    return [r for r in refs if r and not r.startswith("brand")]


@lru_cache(maxsize=64)
def _load(path: Path, mtime_ns: int) -> TemplateSpec:
    spec = validate_doc(load_located(path), TemplateSpec)
    if spec.id != path.stem:
        raise ValidationFailed([f"{path}:1: id: {spec.id!r} must match the file name"])
    return spec


def template_dir(assets_dir: Path) -> Path:
    return assets_dir / "templates"


def load_template(assets_dir: Path, template_id: str) -> TemplateSpec:
    path = template_dir(assets_dir) / f"{template_id}.yaml"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", template_id) or not path.is_file():
        known = ", ".join(t.id for t in list_templates(assets_dir))
        raise NotFound(f"--template: no template {template_id!r} (known: {known})")
    return _load(path, path.stat().st_mtime_ns)


def list_templates(assets_dir: Path) -> list[TemplateSpec]:
    paths = sorted(template_dir(assets_dir).glob("*.yaml"))
    return [_load(p, p.stat().st_mtime_ns) for p in paths]


def describe(spec: TemplateSpec) -> dict[str, Any]:
    """The JSON shape of `phuxanh template list --json` (a contract for scripts)."""
    return {
        "id": spec.id,
        "kind": spec.kind,
        "size": list(spec.wh),
        "fields": [
            {"name": f.name, "type": f.type, "required": f.required, "max_chars": f.max_chars}
            for f in spec.fields
        ],
        "version": spec.version,
        "name": spec.name,
    }
