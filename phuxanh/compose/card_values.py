"""For a chosen feature: the template's values, the caption's parts in each language the
channel asks for (in the channel's order), the alt text, and what is missing (a translation
the catalog lacks is reported, never made up).

The card speaks the channel's first language (`CardPlan.lang`); a vi card keeps both
catalog languages in its values as before. vi and en come from the catalog's columns; any
other language only from a translation a person who reads it has reviewed
(`catalog.translations.Texts`). A countdown needs its key date's name, which the catalog
holds in vi and en only: it is offered to channels in those languages alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, select

from phuxanh.catalog.languages import CATALOG, source_label, vietnamese
from phuxanh.catalog.translations import Texts
from phuxanh.compose.captions import Part, alt_text
from phuxanh.compose.features import Feature, date_figure
from phuxanh.core.errors import ValidationFailed
from phuxanh.media.cards import Brand, fact_text, source_line
from phuxanh.media.inputs import CardValues, check_values
from phuxanh.media.templates import TemplateSpec, load_template
from phuxanh.models import Directive, Fact, Theme


@dataclass
class CardPlan:
    spec: TemplateSpec
    values: CardValues
    parts: list[Part]
    alt_text: str
    missing: list[str] = field(default_factory=list)  # translations the catalog lacks
    lang: str = "vi"  # the card's language (the channel's first)
    missing_langs: list[str] = field(default_factory=list)  # the languages lacking, in order
    holds: list[str] = field(default_factory=list)
    unsourced: list[str] = field(default_factory=list)


def short_credit(number: str | None, url: str | None, lang: str) -> str | None:
    """The source by its reference alone ("Nguồn: 85/2015/QH13"; a URL's host)."""
    label = source_label(lang)
    if number:
        return f"{label}: {number}"
    if url:
        from urllib.parse import urlsplit

        return f"{label}: {urlsplit(url).netloc or url}"
    return None


def _credit(fact: Fact, lang: str) -> str:
    if lang != "vi":
        return foreign_credit(fact.source_title, fact.source_number, fact.source_url, lang) or ""
    return source_line(
        title=fact.source_title, number=fact.source_number, url=fact.source_url, lang=lang
    )


def foreign_credit(title: str, number: str | None, url: str | None, lang: str) -> str | None:
    """The source for a reader of `lang` (not vi): the same source, named by its title when
    that is not Vietnamese, else by its reference alone (the document number or the URL),
    never a translated title nobody issued."""
    label = source_label(lang)
    ref = number or url or ""
    if title and not vietnamese(title):
        return f"{label}: {title if not ref or ref in title else f'{title} ({ref})'}"
    return f"{label}: {ref}" if ref else None


def _directive(session: Session, theme: Theme) -> Directive | None:
    """The first directive the theme comes from (the source of its messages, key dates)."""
    for ref in theme.directive_refs:
        code = ref.split(":", 1)[0]
        directive = session.exec(select(Directive).where(Directive.code == code)).first()
        if directive is not None:
            return directive
    return None


def _directive_source(session: Session, theme: Theme, lang: str) -> str | None:
    directive = _directive(session, theme)
    if directive is None:
        return None
    if lang != "vi":
        return foreign_credit(directive.title, directive.number, None, lang)
    return source_line(title=directive.title, number=directive.number, url=None, lang=lang)


def _directive_short(session: Session, theme: Theme) -> str | None:
    directive = _directive(session, theme)
    return short_credit(directive.number, None, "vi") if directive is not None else None


def _english(value: str | None) -> bool:
    return bool(value and value.strip())


@dataclass
class _Said:
    raw: dict[str, object]
    lead: dict[str, str]
    body: dict[str, str]
    credit: dict[str, str | None]
    alt: list[str]
    short: str | None = None
    unsourced: list[str] = field(default_factory=list)


def _countdown(session: Session, feature: Feature, theme: Theme, day: dt.date) -> _Said:
    kd, fact = feature.key_date, feature.fact
    assert kd is not None and feature.days_left is not None
    source = _credit(fact, "vi") if fact else _directive_source(session, theme, "vi")
    unsourced = [] if source else [feature.ref]
    source = source or ""
    message = theme.key_messages[0]
    return _Said(
        raw={"event": kd.label_vi, "date": kd.on_date, "as_of": day, "source": source},
        lead={
            "vi": f"Còn {feature.days_left} ngày đến {kd.label_vi} ({date_figure(kd.on_date)})",
            "en": f"{feature.days_left} days to {kd.label_en} ({kd.on_date:%d/%m/%Y})",
        },
        body={"vi": message["vi"], "en": message.get("en", "")},
        credit={
            "vi": source or None,
            "en": (_credit(fact, "en") if fact else _directive_source(session, theme, "en"))
            or None,
        },
        alt=[f"Còn {feature.days_left} ngày", kd.label_vi, date_figure(kd.on_date), source],
        unsourced=unsourced,
        short=short_credit(fact.source_number, fact.source_url, "vi")
        if fact
        else _directive_short(session, theme),
    )


def _fact(feature: Feature, fact: Fact, theme: Theme) -> _Said:
    titles = {"vi": theme.title_vi, "en": theme.title_en}
    ft = fact_text(fact)
    raw: dict[str, object] = {"title": titles, "text": ft.text, "source": ft.source}
    if feature.template == "fact-number":
        raw |= {"figure": fact.figure, "unit": ft.unit or None}
    credit = {"vi": _credit(fact, "vi"), "en": _credit(fact, "en")}
    figure = f"{fact.figure} {fact.unit_vi or ''}".strip() if fact.figure else ""
    alt = [theme.title_vi, figure, fact.text_vi, credit["vi"]]
    if feature.template == "bilingual":
        alt += [theme.title_en, fact.text_en]
    return _Said(
        raw=raw,
        lead=titles,
        body={"vi": fact.text_vi, "en": fact.text_en},
        credit={"vi": credit["vi"], "en": credit["en"]},
        alt=alt,
        short=short_credit(fact.source_number, fact.source_url, "vi"),
    )


def _message(feature: Feature, theme: Theme) -> _Said:
    message = feature.message or {}
    slogan = feature.ref.startswith("slogan:")
    attribution = f"Khẩu hiệu · {theme.title_vi}" if slogan else theme.title_vi
    return _Said(
        raw={"quote": message["vi"], "attribution": attribution},
        lead={"vi": theme.title_vi, "en": theme.title_en},
        body={"vi": message["vi"], "en": message.get("en", "")},
        credit={"vi": None, "en": None},
        alt=[message["vi"], attribution],
    )


def _points(session: Session, theme: Theme, day: dt.date) -> _Said:
    """The theme's current key messages as a list card, credited to their directive."""
    from phuxanh.compose.features import stale

    messages = [m for m in theme.key_messages if not stale(m["vi"], day)][:4]
    source = _directive_source(session, theme, "vi")
    source_en = _directive_source(session, theme, "en")
    return _Said(
        raw={
            "title": {"vi": theme.title_vi, "en": theme.title_en},
            "points": [m["vi"] for m in messages],
            "source": source or "",
        },
        lead={"vi": theme.title_vi, "en": theme.title_en},
        body={
            "vi": "\n".join(f"• {m['vi']}" for m in messages),
            "en": "\n".join(f"• {m['en']}" for m in messages if m.get("en"))
            if all(m.get("en") for m in messages)
            else "",
        },
        credit={"vi": source, "en": source_en},
        alt=[theme.title_vi, *(m["vi"] for m in messages), source or ""],
        unsourced=[] if source else [f"points:{theme.code}"],
        short=_directive_short(session, theme),
    )


def _as_clip(session: Session, said: _Said, feature: Feature, theme: Theme) -> dict[str, object]:
    """The short-points clip's fields from what the card would say: the lead as the title,
    the body as the points (one per line), the credit as the source line."""
    points = [line.lstrip("• ").strip() for line in said.body["vi"].splitlines() if line.strip()]
    source = said.credit["vi"] or _directive_source(session, theme, "vi") or ""
    return {
        "title": said.lead["vi"] if feature.template != "quote" else theme.title_vi,
        "points": points,
        "source": source,
    }


@dataclass(frozen=True)
class _Words:
    """What a post says in one language other than vi: the card's fields and the caption's."""

    lead: str
    body: str
    credit: str | None
    short: str | None
    raw: dict[str, object]  # the card's values in this language alone
    alt: list[str]


class NoText(ValidationFailed):
    """The channel's first language has no usable text for the feature: the composer picks
    another (each problem names the feature, the language and what lacks)."""


def _index(ref: str) -> int:
    return int(ref.rsplit(":", 1)[1])


def _words(
    session: Session, feature: Feature, theme: Theme, day: dt.date, lang: str, texts: Texts
) -> _Words | list[str]:
    """The feature in `lang` (not vi), or what the catalog lacks for it in `lang`."""
    lacking: list[str] = []

    def need(text: str | None, what: str) -> str:
        if text is None or not text.strip():
            lacking.append(what)
            return ""
        return text

    def title() -> str:
        return need(texts.title(theme, lang), f"title {theme.code}")

    # a source a reader of `lang` can look up (its number, its address, or a title not in
    # Vietnamese): a card with none is never made; the composer picks another feature
    nameless = f"a source a reader of {lang} can find (a number, an address or a title)"

    if feature.template == "countdown":
        kd, fact = feature.key_date, feature.fact
        assert kd is not None and feature.days_left is not None
        if lang not in CATALOG:
            return [f"the name of the key date {kd.on_date:%d/%m/%Y} (held in vi and en only)"]
        body = need(texts.message(theme, 0, lang), f"message {theme.code}:0")
        credit = need(
            _credit(fact, lang) if fact else _directive_source(session, theme, lang),
            nameless,
        )
        lead = f"{feature.days_left} days to {kd.label_en} ({kd.on_date:%d/%m/%Y})"
        raw: dict[str, object] = {
            "event": {lang: kd.label_en},
            "date": kd.on_date,
            "as_of": day,
            "source": {lang: credit or ""},
        }
        alt = [f"{feature.days_left} days to go", kd.label_en, f"{kd.on_date:%d/%m/%Y}"]
        short = (
            short_credit(fact.source_number, fact.source_url, lang)
            if fact
            else _directive_short_in(session, theme, lang)
        )
    elif feature.template == "three-points":
        from phuxanh.compose.features import stale

        current = [i for i, m in enumerate(theme.key_messages) if not stale(m.get("vi", ""), day)][
            :4
        ]
        points = [need(texts.message(theme, i, lang), f"message {theme.code}:{i}") for i in current]
        credit = need(_directive_source(session, theme, lang), nameless)
        lead, body = title(), "\n".join(f"• {p}" for p in points)
        raw = {"title": {lang: lead}, "points": points, "source": {lang: credit or ""}}
        alt, short = [lead, *points], _directive_short_in(session, theme, lang)
    elif feature.fact is not None:
        fact = feature.fact
        lead = title()
        body = need(texts.fact(fact, lang), f"fact {fact.code}")
        credit = need(_credit(fact, lang), nameless)
        raw = {"title": {lang: lead}, "text": {lang: body}, "source": {lang: credit}}
        unit = {"en": fact.unit_en}.get(lang)
        if feature.template == "fact-number":
            raw["figure"] = fact.figure
            if unit:
                raw["unit"] = {lang: unit}
        figure = f"{fact.figure} {unit or ''}".strip() if fact.figure else ""
        alt, short = [lead, figure, body], short_credit(fact.source_number, fact.source_url, lang)
    else:
        kind = "slogan" if feature.ref.startswith("slogan:") else "message"
        i = _index(feature.ref)
        said = texts.slogan(theme, i, lang) if kind == "slogan" else texts.message(theme, i, lang)
        body = need(said, f"{kind} {theme.code}:{i}")
        credit, short, lead = None, None, title()
        raw = {"quote": {lang: body}, "attribution": {lang: lead}}
        alt = [body, lead]
    if lacking:
        return lacking
    return _Words(lead, body, credit, short, raw, [*alt, credit or ""])


def _directive_short_in(session: Session, theme: Theme, lang: str) -> str | None:
    directive = _directive(session, theme)
    return short_credit(directive.number, None, lang) if directive is not None else None


def _lacks(feature: Feature, theme: Theme, lang: str, what: list[str]) -> str:
    """Why `feature` has no `lang` text, naming the language, everything that lacks (the
    words, the source, or both) and the command that helps."""
    words = [w for w in what if not w.startswith("a source")]
    said: list[str] = []
    if words and lang == "en" and not any(w.startswith("the name of") for w in words):
        said.append(
            "no en text in the catalog (a translation is never made up; add it, or turn "
            "on the writing assistant)"
        )
    elif words:
        said.append(
            f"no reviewed {lang} translation of {', '.join(words)} (a translation is never "
            f"made up: phuxanh catalog translate --lang {lang} --theme {theme.code}, then a "
            f"person who reads {lang} reviews it)"
        )
    if len(words) < len(what):
        said.append(
            f"its source has no number, address or title a reader of {lang} can find "
            "(every fact shown cites a source its reader can look up)"
        )
    return f"{feature.ref}: " + "; and ".join(said)


def card_for(
    session: Session,
    feature: Feature,
    *,
    theme: Theme,
    brand: Brand,
    langs: list[str],
    day: dt.date,
    clip: bool = False,
) -> CardPlan:
    """Raises ValidationFailed (naming the field) when the catalog text does not fit, and
    NoText when the channel's first language has none usable for `feature`."""
    langs = list(dict.fromkeys(langs or ["vi"]))
    lead = langs[0]
    texts = Texts(session, langs)
    if feature.template == "countdown":
        said = _countdown(session, feature, theme, day)
    elif feature.template == "three-points":
        said = _points(session, theme, day)
    elif feature.fact is not None:
        said = _fact(feature, feature.fact, theme)
    else:
        said = _message(feature, theme)
    words: dict[str, _Words] = {}
    missing: dict[str, str] = {}
    for lang in langs:
        if lang == "vi":
            continue
        found = _words(session, feature, theme, day, lang, texts)
        if isinstance(found, list):
            missing[lang] = _lacks(feature, theme, lang, found)
        else:
            words[lang] = found
    if lead in missing:
        raise NoText([missing[lead]])
    spec = load_template(brand.assets_dir, "short-points" if clip else feature.template)
    if lead == "vi" or (feature.template == "bilingual" and not clip):
        card_langs = {"vi", "en"} if feature.template == "bilingual" and not clip else {"vi"}
        raw = _as_clip(session, said, feature, theme) if clip else said.raw
        alt = said.alt
    else:
        card_langs, shown = {lead}, words[lead]
        raw = shown.raw
        if clip:
            points = [ln.lstrip("• ").strip() for ln in shown.body.splitlines() if ln.strip()]
            raw = {"title": shown.lead, "points": points, "source": shown.credit or ""}
        alt = shown.alt
    values = check_values(
        spec, raw, langs=card_langs, base_dir=brand.assets_dir, where=lambda _name: feature.ref
    )
    values.fact_ids = [feature.fact.id or 0] if feature.fact is not None else []
    parts = []
    for lang in langs:
        if lang == "vi":
            parts.append(
                Part("vi", said.lead["vi"], said.body["vi"], said.credit["vi"], said.short)
            )
        elif lang in words:
            w = words[lang]
            parts.append(Part(lang, w.lead, w.body, w.credit, w.short))
    return CardPlan(
        spec=spec,
        values=values,
        parts=parts,
        alt_text=alt_text(alt),
        missing=list(missing.values()),
        unsourced=said.unsourced,
        lang=lead,
        missing_langs=list(missing),
    )
