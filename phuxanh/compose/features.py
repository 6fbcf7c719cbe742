"""What a planned post features: a fact, a key message, a slogan or a countdown to a key
date; and which template shows it.

Freshness: nothing a channel has featured within the campaign's `freshness_days` is
featured there again while something fresh remains. Variety: among fresh candidates the
template this channel used longest ago wins, so templates rotate. Facts past their
`valid_until` are never candidates. Countdown posts come on their own: on a slot exactly
`countdown_days` before one of its theme's key dates, the post is that countdown.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from phuxanh.models import ContentItem, Fact, KeyDate, Slot, Template, Theme

NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Feature:
    ref: str  # fact:CODE, message:THEME:N, slogan:THEME:N, points:THEME,
    # countdown:YYYY-MM-DD:DAYS
    template: str
    fact: Fact | None = None
    message: dict[str, str] | None = None  # {"vi": ..., "en": ...}
    key_date: KeyDate | None = None
    days_left: int | None = None


def date_figure(day: dt.date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def stale(text: str, day: dt.date) -> bool:
    """A message naming a date already past ("Ngày 15/3/2026 là Ngày hội…") is a call to
    action that has expired; facts keep their dates (history stays true)."""
    return past_date(text, day) is not None


def past_date(text: str, day: dt.date) -> str | None:
    """The first date (d/m/yyyy) `text` names that is before `day`, as written."""
    for found in DATE.finditer(text):
        d, m, y = found.groups()
        try:
            if dt.date(int(y), int(m), int(d)) < day:
                return found.group(0)
        except ValueError:
            continue
    return None


def candidates(session: Session, *, theme: Theme, day: dt.date, bilingual: bool) -> list[Feature]:
    """Everything the theme offers on `day`: valid sourced facts, messages, slogans."""
    out: list[Feature] = []
    facts = session.exec(select(Fact).where(Fact.theme_id == theme.id).order_by(col(Fact.code)))
    for f in facts:
        if not f.is_sourced or (f.valid_until is not None and f.valid_until < day):
            continue
        template = "bilingual" if bilingual else ("fact-number" if f.figure else "fact-text")
        out.append(Feature(ref=f"fact:{f.code}", template=template, fact=f))
    current = [m for m in theme.key_messages if not stale(m["vi"], day)]
    for i, message in enumerate(theme.key_messages):
        if message in current:
            out.append(Feature(ref=f"message:{theme.code}:{i}", template="quote", message=message))
    if len(current) >= 2:
        out.append(Feature(ref=f"points:{theme.code}", template="three-points"))
    for i, slogan in enumerate(theme.slogans if not bilingual else []):  # slogans are vi only
        out.append(
            Feature(ref=f"slogan:{theme.code}:{i}", template="quote", message={"vi": slogan})
        )
    return out


def _history(
    session: Session, *, channel_id: int
) -> tuple[dict[str, list[dt.datetime]], dict[str, dt.datetime]]:
    """When this channel featured each thing, and when it last used each template."""
    used: dict[str, list[dt.datetime]] = {}
    templates: dict[str, dt.datetime] = {}
    rows = session.exec(
        select(ContentItem.content_ref, Slot.scheduled_at, Template.code)
        .join(Slot, col(Slot.id) == col(ContentItem.slot_id))
        .outerjoin(Template, col(Template.id) == col(ContentItem.template_id))
        .where(Slot.channel_id == channel_id)
    )
    for ref, when, template in rows:
        if ref:
            used.setdefault(ref, []).append(when)
        if template:
            templates[template] = max(when, templates.get(template, NEVER))
    return used, templates


def countdown_due(
    session: Session,
    *,
    slot: Slot,
    theme: Theme,
    day: dt.date,
    days: list[int],
    used: dict[str, list[dt.datetime]],
) -> Feature | None:
    """The countdown this slot should carry: for a theme key date D and a step N in
    `days`, the first slot of the theme on this channel with N ≥ (D - day) > the next
    smaller step and at most a fifth of N late counts down (so "Còn 7 ngày" lands even if
    the plan puts the theme on day 6, which then says "Còn 6 ngày"); each step once per
    channel."""
    steps = sorted(set(days), reverse=True)
    dates = session.exec(
        select(KeyDate)
        .where(KeyDate.theme_id == theme.id, col(KeyDate.on_date) > day)
        .order_by(col(KeyDate.on_date))
    )
    for kd in dates:
        left = (kd.on_date - day).days
        for i, step in enumerate(steps):
            lower = steps[i + 1] if i + 1 < len(steps) else 0
            ref = f"countdown:{kd.on_date.isoformat()}:{step}"
            late = step - left  # a slot a little after the step still counts down
            if lower < left <= step and late <= max(1, step // 5) and ref not in used:
                return _countdown(session, ref, kd, theme=theme, days_left=left)
    return None


def _countdown(session: Session, ref: str, kd: KeyDate, *, theme: Theme, days_left: int) -> Feature:
    fact = session.exec(
        select(Fact).where(Fact.theme_id == theme.id, Fact.figure == date_figure(kd.on_date))
    ).first()
    return Feature(
        ref=ref,
        template="countdown",
        key_date=kd,
        days_left=days_left,
        fact=fact if fact is not None and fact.is_sourced else None,
    )


def countdown_again(session: Session, *, ref: str, theme: Theme, day: dt.date) -> Feature | None:
    """The countdown feature `ref` (countdown:YYYY-MM-DD:STEP) counted from `day` instead:
    what a countdown card shows when its post moves to another day. None when the key
    date is no longer in the catalog or `ref` is not a countdown."""
    kind, _, rest = ref.partition(":")
    on, _, _step = rest.partition(":")
    try:
        on_date = dt.date.fromisoformat(on)
    except ValueError:
        return None
    if kind != "countdown":
        return None
    kd = session.exec(
        select(KeyDate)
        .where(KeyDate.theme_id == theme.id, KeyDate.on_date == on_date)
        .order_by(col(KeyDate.id))
    ).first()
    if kd is None:
        return None
    return _countdown(session, ref, kd, theme=theme, days_left=(kd.on_date - day).days)


def choose(
    session: Session,
    *,
    slot: Slot,
    theme: Theme,
    tz: ZoneInfo,
    freshness_days: int,
    countdown_days: list[int],
    bilingual: bool,
    exclude: list[str] | None = None,
    countdowns: bool = True,
) -> Feature | None:
    """The feature for this slot: None when nothing fresh is left (the slot is reported,
    never filled with a repeat). `countdowns` False: none (a channel in a language the key
    dates' names are not held in)."""
    day = slot.scheduled_at.astimezone(tz).date()
    used, templates = _history(session, channel_id=slot.channel_id)
    due = (
        countdown_due(session, slot=slot, theme=theme, day=day, days=countdown_days, used=used)
        if countdowns
        else None
    )
    skip = set(exclude or [])
    if due is not None and due.ref not in skip:
        return due
    options = [
        f
        for f in candidates(session, theme=theme, day=day, bilingual=bilingual)
        if f.ref not in skip
    ]
    window = dt.timedelta(days=freshness_days)

    def fresh(f: Feature) -> bool:
        return all(abs(slot.scheduled_at - when) >= window for when in used.get(f.ref, []))

    def last(f: Feature) -> dt.datetime:
        return max(used.get(f.ref, [NEVER]))

    pool = [f for f in options if fresh(f)]
    if not pool:
        return None
    return min(pool, key=lambda f: (templates.get(f.template, NEVER), last(f), f.ref))
