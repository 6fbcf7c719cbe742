"""The theme catalog as data: `content/themes/*.yaml`, `content/directives/*.yaml`.

`check_catalog()` validates every file and reports `file:line: field: problem`, and checks
the catalog against its sources: where a directive's text is shipped
(`content/directives/text/`), every section a theme cites is in it, and every fact, slogan
and key message it backs quotes words found in it (accents, case and line breaks aside).
`load_catalog()` upserts the validated catalog into the database; `theme_windows()` gives
each theme's validity window to the planner.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    field_validator,
    model_validator,
)
from sqlalchemy import delete
from sqlmodel import Session, col, select

from phuxanh.catalog import audiences
from phuxanh.catalog.languages import problem as language_problem
from phuxanh.catalog.sources import TEXT_DIR, Shipped, section_list, shipped
from phuxanh.core.errors import ValidationFailed
from phuxanh.core.yamlio import LocatedDoc, format_loc, load_located, validate_doc
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


Quote = Text | list[Text]


class Source(Strict):
    title: Text
    number: Text | None = Field(default=None, description="document number, e.g. 85/2015/QH13")
    url: HttpUrl | None = None
    issuer: Text | None = None
    date: dt.date | None = None
    directive: Text | None = Field(
        default=None, description="the catalog directive (content/directives) it comes from"
    )
    quote: Quote | None = Field(
        default=None, description="the words of that directive's shipped text it comes from"
    )

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
    confirmed: bool = Field(
        default=True,
        description="false: a placeholder until the date is announced; kept here, never "
        "loaded (no countdown, wave or report prints it as if known)",
    )


class KeyMessage(Bilingual):
    """A key message. A points card credits the theme's first directive with it, so where
    that directive's text is shipped, `quote` gives the words it comes from."""

    quote: Quote | None = None


class SloganSpec(Strict):
    text: Text
    source: Text = Field(description="the catalog directive the slogan comes from")
    quote: Text | None = Field(
        default=None, description="the words as the directive writes them, when not `text`"
    )


Hashtag = Annotated[str, StringConstraints(pattern=r"^#\w{2,60}$")]


class ThemeSpec(Strict):
    code: Code
    title: Bilingual
    directives: list[Text] = Field(min_length=1, description="directive codes and sections")
    sensitive: bool = False
    valid_from: dt.date | None = Field(default=None, description="no slot before this day")
    valid_until: dt.date | None = Field(default=None, description="no slot after this day")
    key_messages: list[KeyMessage] = Field(min_length=1)
    hashtags: list[Hashtag] = Field(min_length=1)
    hashtags_by_language: dict[str, list[Hashtag]] = Field(
        default={},
        description="hashtags a channel gets only when it reads that language (the "
        "language's code: en, zh, ko, ja …); `hashtags` go to every channel",
    )
    audiences: list[str] = Field(
        default=[], description="who the theme is for (content/audiences.yaml codes)"
    )
    slogans: list[SloganSpec] = []
    key_dates: list[KeyDateSpec] = []
    facts: list[FactSpec] = Field(min_length=5)

    @field_validator("hashtags_by_language")
    @classmethod
    def _hashtag_languages_supported(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for code in value:
            if problem := language_problem(code):
                raise ValueError(problem)
        return value

    @field_validator("audiences")
    @classmethod
    def _audiences_known(cls, value: list[str]) -> list[str]:
        return audiences.valid_list(value)

    @field_validator("slogans", mode="before")
    @classmethod
    def _slogans_name_their_source(cls, value: object) -> object:
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str):
                    raise ValueError(
                        f"[{i}] {item!r}: a slogan names the directive it comes from: "
                        "{text: …, source: <directive code>}"
                    )
        return value

    @model_validator(mode="after")
    def _window_in_order(self) -> ThemeSpec:
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            raise ValueError("valid_from is after valid_until")
        return self

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
    """The shape `phuxanh directive import -o` writes: one directive, the imported themes an
    existing catalog theme already covers (`matches`, a proposal) and the new themes."""

    directive: dict[str, object]
    matches: list[dict[str, object]] = []
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
    directives: list[tuple[LocatedDoc, DirectiveSpec]] = []
    themes: list[tuple[LocatedDoc, ThemeSpec]] = []
    theme_files = _files(root, "themes")
    if not theme_files:
        problems.append(f"{root / 'themes'}:1: (folder): no theme files (*.yaml)")
    for kind, files in (("directive", _files(root, "directives")), ("theme", theme_files)):
        for path in files:
            try:
                doc = load_located(path)
                if kind == "directive":
                    directives.append((doc, validate_doc(doc, DirectiveSpec)))
                else:
                    themes.append((doc, validate_doc(doc, ThemeSpec)))
            except ValidationFailed as exc:
                problems.extend(exc.problems)
    texts = _shipped_texts(root, directives, problems)
    by_code = {d.code: d for _, d in directives}
    codes: dict[str, Path] = {}
    fact_ids: dict[str, Path] = {}
    for doc, theme in themes:
        if theme.code in codes:
            line = doc.line_of(("code",))
            problems.append(f"{doc.path}:{line}: code: {theme.code!r} also in {codes[theme.code]}")
        codes[theme.code] = doc.path
        for i, ref in enumerate(theme.directives):
            code, _, part = ref.partition(":")
            if code not in by_code:
                problems.append(
                    f"{doc.path}:{doc.line_of(('directives', i))}: directives[{i}]: "
                    f"unknown directive {code!r} (not in content/directives)"
                )
            elif part and code in texts and part not in texts[code].sections:
                problems.append(
                    f"{doc.path}:{doc.line_of(('directives', i))}: directives[{i}]: {part!r} is "
                    f"no section of {code} ({texts[code].path.name} has "
                    f"{section_list(texts[code])})"
                )
        for i, fact in enumerate(theme.facts):
            if fact.id in fact_ids:
                problems.append(
                    f"{doc.path}:{doc.line_of(('facts', i, 'id'))}: facts[{i}].id: "
                    f"{fact.id!r} also in {fact_ids[fact.id]}"
                )
            fact_ids[fact.id] = doc.path
        problems += _source_problems(doc, theme, by_code, texts)
        problems += _window_problems(doc, theme)
    if problems:
        raise ValidationFailed(problems)
    return Catalog(directives=[d for _, d in directives], themes=[t for _, t in themes])


def _shipped_texts(
    root: Path, directives: list[tuple[LocatedDoc, DirectiveSpec]], problems: list[str]
) -> dict[str, Shipped]:
    """The directives whose text is in content/directives/text/, read once."""
    folder = root.joinpath(*TEXT_DIR)
    texts: dict[str, Shipped] = {}
    for doc, d in directives:
        if not d.source_file:
            continue
        path = folder / d.source_file
        if not path.is_file():
            problems.append(
                f"{doc.path}:{doc.line_of(('source_file',))}: source_file: "
                f"{d.source_file!r} is not in {folder}"
            )
            continue
        texts[d.code] = shipped(path)
    return texts


def _quotes(value: str | list[str] | None) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _fact_directive(source: Source, by_code: dict[str, DirectiveSpec]) -> str | None:
    """The catalog directive a fact names: `source.directive`, or the one whose number (or
    code) `source.number` is."""
    if source.directive:
        return source.directive
    return next(
        (c for c, d in by_code.items() if source.number and source.number in (d.number, c)),
        None,
    )


QUOTED_EN = re.compile(r"[“\"]([^”\"\n]{2,150})[”\"]")


def _source_problems(
    doc: LocatedDoc, theme: ThemeSpec, by_code: dict[str, DirectiveSpec], texts: dict[str, Shipped]
) -> list[str]:
    """Each fact, slogan and key message checked against the document it names."""
    from phuxanh.catalog.sources import normalise

    problems: list[str] = []

    def at(*loc: str | int) -> str:
        return f"{doc.path}:{doc.line_of(loc)}: {format_loc(loc)}"

    def unfound(loc: tuple[str | int, ...], code: str, quotes: list[str]) -> None:
        for quote in quotes:
            if not texts[code].has(quote):
                shown = quote if len(quote) <= 90 else quote[:87] + "…"
                problems.append(
                    f"{at(*loc)}: not found in {texts[code].path.name} ({code}): {shown!r}"
                )

    first = theme.directives[0].partition(":")[0]
    for i, message in enumerate(theme.key_messages):
        if first in texts:
            quotes = _quotes(message.quote)
            if not quotes:
                problems.append(
                    f"{at('key_messages', i)}: a points card credits {first} (the theme's "
                    f"first directive) with this message: give quote: the words of "
                    f"{texts[first].path.name} it comes from"
                )
            unfound(("key_messages", i, "quote"), first, quotes)
    for i, slogan in enumerate(theme.slogans):
        if slogan.source not in by_code:
            problems.append(
                f"{at('slogans', i, 'source')}: unknown directive {slogan.source!r} "
                "(not in content/directives)"
            )
        elif slogan.source in texts:
            unfound(
                ("slogans", i, "quote" if slogan.quote else "text"),
                slogan.source,
                [slogan.quote or slogan.text],
            )
    for i, fact in enumerate(theme.facts):
        source = fact.source
        code = _fact_directive(source, by_code)
        if code is None:
            continue
        if code not in by_code:
            problems.append(
                f"{at('facts', i, 'source', 'directive')}: unknown directive {code!r} "
                "(not in content/directives)"
            )
            continue
        number = by_code[code].number
        if number and source.number != number:
            problems.append(
                f"{at('facts', i, 'source', 'number')}: {source.number!r} is not the number "
                f"of {code} ({number!r})"
            )
        elif not number and source.number:
            problems.append(
                f"{at('facts', i, 'source', 'number')}: {code} has no number (blank in the "
                f"original): a card would print {source.number!r}, which no reader can look up"
            )
        if code in texts:
            quotes = _quotes(source.quote)
            if not quotes:
                problems.append(
                    f"{at('facts', i, 'source')}: {code} is shipped as "
                    f"{texts[code].path.name}: give quote: the words this fact comes from"
                )
            unfound(("facts", i, "source", "quote"), code, quotes)
    texts_en: list[tuple[tuple[str | int, ...], str, str]] = [
        (("key_messages", i, "en"), m.en, m.vi) for i, m in enumerate(theme.key_messages)
    ] + [(("facts", i, "text", "en"), f.text.en, f.text.vi) for i, f in enumerate(theme.facts)]
    for loc, en, vi in texts_en:
        for quoted in QUOTED_EN.findall(en):
            if normalise(quoted) not in normalise(vi):
                problems.append(
                    f"{at(*loc)}: “{quoted}” is an English rendering in quotes that no source "
                    "gives: quote the Vietnamese words as the source writes them and put the "
                    "translation after them, unquoted"
                )
    return problems


def _window_problems(doc: LocatedDoc, theme: ThemeSpec) -> list[str]:
    """A confirmed key date's wave lies inside the theme's validity window."""
    problems: list[str] = []
    for i, kd in enumerate(theme.key_dates):
        if not kd.confirmed:
            continue
        start = kd.date - dt.timedelta(days=kd.wave.before_days)
        end = kd.date + dt.timedelta(days=kd.wave.after_days)
        where = f"{doc.path}:{doc.line_of(('key_dates', i, 'date'))}: key_dates[{i}]"
        if theme.valid_until and end > theme.valid_until:
            problems.append(
                f"{where}: its wave ends {end:%d/%m/%Y}, after the theme's valid_until "
                f"({theme.valid_until:%d/%m/%Y}): the planner would give those days no slot"
            )
        if theme.valid_from and start < theme.valid_from:
            problems.append(
                f"{where}: its wave starts {start:%d/%m/%Y}, before the theme's valid_from "
                f"({theme.valid_from:%d/%m/%Y})"
            )
    return problems


class _Window(BaseModel):
    model_config = ConfigDict(extra="ignore")
    code: Code
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None


Window = tuple[dt.date | None, dt.date | None]


def theme_windows(root: Path) -> dict[str, Window]:
    """Each theme's validity window (valid_from, valid_until) from the catalog files: the
    database keeps none yet, so the planner reads them here."""
    out: dict[str, Window] = {}
    problems: list[str] = []
    for path in _files(root, "themes"):
        try:
            window = validate_doc(load_located(path), _Window)
        except ValidationFailed as exc:
            problems.extend(exc.problems)
            continue
        out[window.code] = (window.valid_from, window.valid_until)
    if problems:
        raise ValidationFailed(problems)
    return out


def catalog_for_matching(root: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The catalog's themes as `matching.match` reads them ({code, title, text,
    directives}) and its directives' (code, number, source_file) for the importer; files
    that cannot be read are left out and named in the second list."""
    themes: list[dict[str, Any]] = []
    unread: list[str] = []
    for path in _files(root, "themes"):
        try:
            t = validate_doc(load_located(path), ThemeSpec)
        except ValidationFailed as exc:
            unread.extend(exc.problems[:1])
            continue
        text = [t.title.vi, *(m.vi for m in t.key_messages), *(s.text for s in t.slogans)]
        text += [kd.label.vi for kd in t.key_dates] + [f.text.vi for f in t.facts]
        themes.append(
            {
                "code": t.code,
                "title": t.title.vi,
                "text": "\n".join(text),
                "directives": list(t.directives),
            }
        )
    return themes, unread


def catalog_directives(root: Path) -> list[DirectiveSpec]:
    found = []
    for path in _files(root, "directives"):
        try:
            found.append(validate_doc(load_located(path), DirectiveSpec))
        except ValidationFailed:
            continue
    return found


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
                "key_messages": [{"vi": m.vi, "en": m.en} for m in t.key_messages],
                "hashtags": list(dict.fromkeys(t.hashtags)),
                "lang_hashtags": {
                    code: list(dict.fromkeys(tags)) for code, tags in t.hashtags_by_language.items()
                },
                "audiences": list(t.audiences),
                "slogans": [s.text for s in t.slogans],
                "directive_refs": list(t.directives),
                "sensitive": t.sensitive,
                "valid_from": t.valid_from,
                "valid_until": t.valid_until,
            }
        )
        session.add(theme)
        session.flush()
        assert theme.id is not None
        # a key date gone from the catalog, or not confirmed (a placeholder), is in no row:
        # no countdown, wave or report prints it
        confirmed = [kd for kd in t.key_dates if kd.confirmed]
        kept = {(kd.date, kd.label.vi) for kd in confirmed}
        for old in session.exec(select(KeyDate).where(KeyDate.theme_id == theme.id)).all():
            if (old.on_date, old.label_vi) not in kept:
                session.execute(delete(KeyDate).where(col(KeyDate.id) == old.id))
        for kd in confirmed:
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
        _retire_facts(session, theme.id, {f.id for f in t.facts})
    session.flush()
    return {
        "directives": len(catalog.directives),
        "themes": len(catalog.themes),
        "key_dates": n_dates,
        "facts": n_facts,
    }


def _retire_facts(session: Session, theme_id: int, codes: set[str]) -> None:
    """A fact gone from the catalog keeps its row (published posts cite it) but is valid
    until yesterday at the latest, so it is never featured again."""
    yesterday = dt.date.today() - dt.timedelta(days=1)
    for fact in session.exec(select(Fact).where(Fact.theme_id == theme_id)).all():
        if fact.code not in codes and (fact.valid_until is None or fact.valid_until > yesterday):
            fact.valid_until = yesterday
            session.add(fact)
