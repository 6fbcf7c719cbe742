"""The theme catalog as data: `content/themes/*.yaml`, `content/directives/*.yaml`.

`check_catalog()` validates every file and reports `file:line: field: problem`;
`load_catalog()` upserts the validated catalog into the database.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints, model_validator
from sqlmodel import Session, select

from phuxanh.core.errors import ValidationFailed
from phuxanh.core.yamlio import LocatedDoc, load_located, validate_doc
from phuxanh.models import Directive, Fact, KeyDate, Theme

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{1,62}$")]
PLACEHOLDER = re.compile(r"\b(TODO|TBD|FIXME|XXX)\b|\.\.\.\s*$|…\s*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bilingual(Strict):
    vi: Text
    en: Text

    @model_validator(mode="after")
    def _no_placeholders(self) -> Bilingual:
        for lang in ("vi", "en"):
            if PLACEHOLDER.search(getattr(self, lang)):
                raise ValueError(f"{lang}: placeholder text left in")
        return self


class Source(Strict):
    title: Text
    number: Text | None = Field(default=None, description="document number, e.g. 85/2015/QH13")
    url: HttpUrl | None = None
    issuer: Text | None = None
    date: dt.date | None = None

    @model_validator(mode="after")
    def _checkable(self) -> Source:
        if not self.number and not self.url:
            raise ValueError("a source needs a document number or a URL a reader can check")
        return self


class FactSpec(Strict):
    id: Code
    text: Bilingual
    figure: Text | None = None
    unit: Bilingual | None = None
    source: Source
    valid_until: dt.date | None = None


class Wave(Strict):
    before_days: int = Field(default=0, ge=0, le=120)
    after_days: int = Field(default=0, ge=0, le=60)


class KeyDateSpec(Strict):
    date: dt.date
    label: Bilingual
    kind: Literal["election", "congress", "commemoration", "event", "report", "anniversary"]
    wave: Wave = Wave()


class ThemeSpec(Strict):
    code: Code
    title: Bilingual
    directives: list[Text] = Field(min_length=1, description="directive codes and sections")
    sensitive: bool = False
    key_messages: list[Bilingual] = Field(min_length=1)
    hashtags: list[Annotated[str, StringConstraints(pattern=r"^#\w{2,60}$")]] = Field(min_length=1)
    slogans: list[Text] = []
    key_dates: list[KeyDateSpec] = []
    facts: list[FactSpec] = Field(min_length=5)

    @model_validator(mode="after")
    def _unique_fact_ids(self) -> ThemeSpec:
        seen: set[str] = set()
        for fact in self.facts:
            if fact.id in seen:
                raise ValueError(f"fact id {fact.id!r} appears twice")
            seen.add(fact.id)
        return self


class DirectiveSpec(Strict):
    code: Text
    doc_type: Text
    number: Text | None = None
    issuer: Text
    place: Text | None = None
    date: dt.date | None = None
    title: Text
    source_file: Text | None = None


class Catalog(BaseModel):
    directives: list[DirectiveSpec]
    themes: list[ThemeSpec]


def _files(root: Path, sub: str) -> list[Path]:
    return sorted((root / sub).glob("*.yaml"))


class Draft(BaseModel):
    """The shape `phuxanh directive import -o` writes: one directive and its themes."""

    directive: dict[str, object]
    themes: list[dict[str, object]]


def check_draft(path: Path) -> Catalog:
    """Validate a single draft file (directive + themes) the way the catalog is validated."""
    doc = load_located(path)
    validate_doc(doc, Draft)
    problems: list[str] = []
    directives: list[DirectiveSpec] = []
    themes: list[ThemeSpec] = []
    try:
        directives.append(validate_doc(doc, DirectiveSpec, ("directive",)))
    except ValidationFailed as exc:
        problems.extend(exc.problems)
    for i in range(len(doc.data["themes"])):
        try:
            themes.append(validate_doc(doc, ThemeSpec, ("themes", i)))
        except ValidationFailed as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationFailed(problems)
    return Catalog(directives=directives, themes=themes)


def check_catalog(root: Path) -> Catalog:
    """Validate every catalog file under `root` (or one draft file); raise with all problems."""
    if root.is_file():
        return check_draft(root)
    problems: list[str] = []
    directives: list[DirectiveSpec] = []
    themes: list[tuple[LocatedDoc, ThemeSpec]] = []
    theme_files = _files(root, "themes")
    if not theme_files:
        problems.append(f"{root / 'themes'}:1: (folder): no theme files (*.yaml)")
    for kind, files in (("directive", _files(root, "directives")), ("theme", theme_files)):
        for path in files:
            try:
                doc = load_located(path)
                if kind == "directive":
                    directives.append(validate_doc(doc, DirectiveSpec))
                else:
                    themes.append((doc, validate_doc(doc, ThemeSpec)))
            except ValidationFailed as exc:
                problems.extend(exc.problems)
    known = {d.code for d in directives}
    codes: dict[str, Path] = {}
    fact_ids: dict[str, Path] = {}
    for doc, theme in themes:
        if theme.code in codes:
            line = doc.line_of(("code",))
            problems.append(f"{doc.path}:{line}: code: {theme.code!r} also in {codes[theme.code]}")
        codes[theme.code] = doc.path
        for i, ref in enumerate(theme.directives):
            if ref.split(":", 1)[0] not in known:
                problems.append(
                    f"{doc.path}:{doc.line_of(('directives', i))}: directives[{i}]: "
                    f"unknown directive {ref.split(':', 1)[0]!r} (not in content/directives)"
                )
        for i, fact in enumerate(theme.facts):
            if fact.id in fact_ids:
                problems.append(
                    f"{doc.path}:{doc.line_of(('facts', i, 'id'))}: facts[{i}].id: "
                    f"{fact.id!r} also in {fact_ids[fact.id]}"
                )
            fact_ids[fact.id] = doc.path
    if problems:
        raise ValidationFailed(problems)
    return Catalog(directives=directives, themes=[t for _, t in themes])


def load_catalog(session: Session, catalog: Catalog) -> dict[str, int]:
    """Upsert directives, themes, key dates and facts by their codes. Returns counts."""
    for spec in catalog.directives:
        directive = session.exec(select(Directive).where(Directive.code == spec.code)).first()
        directive = directive or Directive(code=spec.code, doc_type=spec.doc_type, title=spec.title)
        directive.sqlmodel_update(
            {
                "doc_type": spec.doc_type,
                "number": spec.number,
                "issuer": spec.issuer,
                "place": spec.place,
                "issued_on": spec.date,
                "title": spec.title,
                "source_file": spec.source_file,
            }
        )
        session.add(directive)
    n_facts = n_dates = 0
    for t in catalog.themes:
        theme = session.exec(select(Theme).where(Theme.code == t.code)).first()
        theme = theme or Theme(code=t.code, title_vi=t.title.vi, title_en=t.title.en)
        theme.sqlmodel_update(
            {
                "title_vi": t.title.vi,
                "title_en": t.title.en,
                "key_messages": [m.model_dump() for m in t.key_messages],
                "hashtags": list(dict.fromkeys(t.hashtags)),
                "slogans": list(t.slogans),
                "directive_refs": list(t.directives),
                "sensitive": t.sensitive,
            }
        )
        session.add(theme)
        session.flush()
        assert theme.id is not None
        for kd in t.key_dates:
            row = session.exec(
                select(KeyDate).where(
                    KeyDate.theme_id == theme.id,
                    KeyDate.on_date == kd.date,
                    KeyDate.label_vi == kd.label.vi,
                )
            ).first() or KeyDate(
                theme_id=theme.id, on_date=kd.date, label_vi=kd.label.vi, label_en=""
            )
            row.sqlmodel_update(
                {
                    "label_en": kd.label.en,
                    "kind": kd.kind,
                    "wave_before_days": kd.wave.before_days,
                    "wave_after_days": kd.wave.after_days,
                }
            )
            session.add(row)
            n_dates += 1
        for f in t.facts:
            fact = session.exec(select(Fact).where(Fact.code == f.id)).first()
            fact = fact or Fact(
                code=f.id, theme_id=theme.id, text_vi="", text_en="", source_title=""
            )
            fact.sqlmodel_update(
                {
                    "theme_id": theme.id,
                    "text_vi": f.text.vi,
                    "text_en": f.text.en,
                    "figure": f.figure,
                    "unit_vi": f.unit.vi if f.unit else None,
                    "unit_en": f.unit.en if f.unit else None,
                    "source_title": f.source.title,
                    "source_number": f.source.number,
                    "source_url": str(f.source.url) if f.source.url else None,
                    "issuer": f.source.issuer,
                    "source_date": f.source.date,
                    "valid_until": f.valid_until,
                }
            )
            session.add(fact)
            n_facts += 1
    session.flush()
    return {
        "directives": len(catalog.directives),
        "themes": len(catalog.themes),
        "key_dates": n_dates,
        "facts": n_facts,
    }
