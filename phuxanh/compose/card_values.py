"""For a chosen feature: the template's values, the caption's parts in each language the
channel asks for, the alt text, and what is missing (a translation the catalog lacks is
reported, never made up)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, select

from phuxanh.compose.captions import Part, alt_text
from phuxanh.compose.features import Feature, date_figure
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
    holds: list[str] = field(default_factory=list)
    unsourced: list[str] = field(default_factory=list)


def short_credit(number: str | None, url: str | None, lang: str) -> str | None:
    """The source by its reference alone ("Nguồn: 85/2015/QH13"; a URL's host)."""
    label = "Nguồn" if lang == "vi" else "Source"
    if number:
        return f"{label}: {number}"
    if url:
        from urllib.parse import urlsplit

        return f"{label}: {urlsplit(url).netloc or url}"
    return None


def _credit(fact: Fact, lang: str) -> str:
    return source_line(
        title=fact.source_title, number=fact.source_number, url=fact.source_url, lang=lang
    )


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
        credit={"vi": source or None, "en": source.replace("Nguồn:", "Source:", 1) or None},
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
    """Raises ValidationFailed (naming the field) when the catalog text does not fit."""
    if feature.template == "countdown":
        said = _countdown(session, feature, theme, day)
    elif feature.template == "three-points":
        said = _points(session, theme, day)
    elif feature.fact is not None:
        said = _fact(feature, feature.fact, theme)
    else:
        said = _message(feature, theme)
    spec = load_template(brand.assets_dir, "short-points" if clip else feature.template)
    card_langs = {"vi", "en"} if feature.template == "bilingual" and not clip else {"vi"}
    raw = _as_clip(session, said, feature, theme) if clip else said.raw
    values = check_values(
        spec, raw, langs=card_langs, base_dir=brand.assets_dir, where=lambda _name: feature.ref
    )
    values.fact_ids = [feature.fact.id or 0] if feature.fact is not None else []
    parts = [Part("vi", said.lead["vi"], said.body["vi"], said.credit["vi"], said.short)]
    missing = []
    if "en" in langs:
        if _english(said.body.get("en")) and _english(said.lead.get("en")):
            parts.append(Part("en", said.lead["en"], said.body["en"], said.credit["en"]))
        else:
            missing.append(
                f"{feature.ref}: no en text in the catalog (a translation is "
                "never made up; add it, or turn on the writing assistant)"
            )
    return CardPlan(
        spec=spec,
        values=values,
        parts=parts,
        alt_text=alt_text(said.alt),
        missing=missing,
        unsourced=said.unsourced,
    )
