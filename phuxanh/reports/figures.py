"""What a periodic report says: the period, results by theme and channel against the plan,
gaps, the "6 rõ" table, an assessment and next steps; computed with SQL aggregates so a
year over a large office stays fast. The writers (`report_files.py`) only lay it out."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from phuxanh.cli.common import check_year
from phuxanh.core import audit
from phuxanh.core.errors import ValidationFailed
from phuxanh.media import stored
from phuxanh.models import (
    Campaign,
    Channel,
    ContentItem,
    ItemStatus,
    KeyDate,
    Publication,
    PubState,
    Slot,
    Theme,
    Unit,
    User,
)
from phuxanh.planning.campaign import CampaignSpec, ReportSpec

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
DONE = (ItemStatus.approved, ItemStatus.scheduled, ItemStatus.published)


@dataclass(frozen=True)
class Period:
    code: str
    kind: str
    start: dt.date
    end: dt.date  # inclusive
    label_vi: str
    label_en: str


def parse_period(text: str) -> Period:
    """2026-03 (month), 2026-Q1, 2026-H1, 2026 (year)."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})|-Q([1-4])|-H([12]))?", text.strip())
    if not m:
        raise ValidationFailed([f"--period: {text!r} is not YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY"])
    year = int(m.group(1))
    check_year(year, "--period", text)
    if m.group(2):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise ValidationFailed([f"--period: month {month} does not exist"])
        first, months, kind = month, 1, "month"
        vi, en = f"tháng {month} năm {year}", f"{dt.date(year, month, 1):%B %Y}"
    elif m.group(3):
        q = int(m.group(3))
        first, months, kind = 3 * q - 2, 3, "quarter"
        vi, en = f"quý {ROMAN[q]} năm {year}", f"Q{q} {year}"
    elif m.group(4):
        h = int(m.group(4))
        first, months, kind = 6 * h - 5, 6, "half"
        vi = f"6 tháng {'đầu' if h == 1 else 'cuối'} năm {year}"
        en = f"{'first' if h == 1 else 'second'} half of {year}"
    else:
        first, months, kind, vi, en = 1, 12, "year", f"năm {year}", str(year)
    start = dt.date(year, first, 1)
    last = first + months
    end = (dt.date(year + (last > 12), (last - 1) % 12 + 1, 1) - dt.timedelta(days=1))
    return Period(text.strip(), kind, start, end, vi, en)


def period_of(kind: str, day: dt.date) -> Period:
    """The period of `kind` that contains `day`."""
    if kind == "month":
        return parse_period(f"{day.year}-{day.month:02d}")
    if kind == "quarter":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if kind == "half":
        return parse_period(f"{day.year}-H{1 if day.month <= 6 else 2}")
    return parse_period(str(day.year))


@dataclass
class Row:
    code: str
    name: str
    planned: int = 0
    approved: int = 0
    published: int = 0
    reach: int | None = None
    views: int | None = None
    engagement: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    period: Period
    unit: str
    spec: ReportSpec
    themes: list[Row]
    channels: list[Row]
    totals: Row
    waves: list[dict[str, Any]]
    six: list[dict[str, str]]
    gaps: list[str]
    strengths: list[str]
    next_steps: list[str]
    top_posts: list[dict[str, Any]]
    generated_on: dt.date
    plan_days: int = 0  # days of the period the plan covers (first to last planned post)
    # the audit log's head when the report was made ("ROWS:HASH"): on paper, outside the
    # database, for `phuxanh audit verify --head` (see docs/audit.md)
    audit_head: str = ""


def _bounds(period: Period, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime.combine(period.start, dt.time(), tz),
            dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), tz))


def _local(when: dt.datetime, tz: ZoneInfo) -> dt.date:
    if when.tzinfo is None:  # SQLite aggregates come back naive (UTC)
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(tz).date()


def _sum(value: Any) -> int | None:
    return None if value is None else int(value)


def figures(session: Session, *, period: Period, tz: ZoneInfo,
            channel_ids: list[int] | None) -> dict[str, dict[tuple[str, str], Any]]:
    """Planned, approved, published and reach per (theme code, channel code)."""
    lo, hi = _bounds(period, tz)

    def scoped(query: Any, channel_col: Any) -> Any:
        return query if channel_ids is None else query.where(col(channel_col).in_(channel_ids))

    planned = scoped(
        select(Theme.code, Channel.code, func.count(col(Slot.id)))
        .join(Theme, col(Theme.id) == col(Slot.theme_id))
        .join(Channel, col(Channel.id) == col(Slot.channel_id))
        .where(col(Slot.scheduled_at) >= lo, col(Slot.scheduled_at) < hi)
        .group_by(col(Theme.code), col(Channel.code)), Slot.channel_id)
    approved = scoped(
        select(Theme.code, Channel.code, func.count(col(ContentItem.id)))
        .join(Slot, col(Slot.id) == col(ContentItem.slot_id))
        .join(Theme, col(Theme.id) == col(Slot.theme_id))
        .join(Channel, col(Channel.id) == col(Slot.channel_id))
        .where(col(Slot.scheduled_at) >= lo, col(Slot.scheduled_at) < hi,
               col(ContentItem.status).in_(DONE))
        .group_by(col(Theme.code), col(Channel.code)), Slot.channel_id)
    published = scoped(
        select(  # type: ignore[call-overload]
            Theme.code, Channel.code, func.count(col(Publication.id)),
            func.sum(Publication.latest_reach), func.sum(Publication.latest_views),
            func.sum(Publication.latest_engagement))
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .join(Theme, col(Theme.id) == col(ContentItem.theme_id))
        .join(Channel, col(Channel.id) == col(Publication.channel_id))
        .where(Publication.state == PubState.published, col(Publication.published_at) >= lo,
               col(Publication.published_at) < hi)
        .group_by(col(Theme.code), col(Channel.code)), Publication.channel_id)
    out: dict[str, dict[tuple[str, str], Any]] = {"planned": {}, "approved": {},
                                                  "published": {}}
    for theme, channel, n in session.exec(planned):
        out["planned"][(theme, channel)] = int(n)
    for theme, channel, n in session.exec(approved):
        out["approved"][(theme, channel)] = int(n)
    for theme, channel, n, reach, views, engaged in session.exec(published):
        out["published"][(theme, channel)] = (int(n), _sum(reach), _sum(views), _sum(engaged))
    return out


def _rows(fig: dict[str, dict[tuple[str, str], Any]], names: dict[str, str],
          index: int) -> list[Row]:
    rows: dict[str, Row] = {}
    for kind in ("planned", "approved"):
        for key, n in fig[kind].items():
            row = rows.setdefault(key[index], Row(key[index], names.get(key[index], key[index])))
            setattr(row, kind, getattr(row, kind) + n)
    for key, (n, reach, views, engaged) in fig["published"].items():
        row = rows.setdefault(key[index], Row(key[index], names.get(key[index], key[index])))
        row.published += n
        for attr, value in (("reach", reach), ("views", views), ("engagement", engaged)):
            if value is not None:
                setattr(row, attr, (getattr(row, attr) or 0) + value)
    return sorted(rows.values(), key=lambda r: (-(r.reach or 0), r.code))


def _total(rows: list[Row]) -> Row:
    total = Row("total", "Tổng cộng")
    for r in rows:
        total.planned += r.planned
        total.approved += r.approved
        total.published += r.published
        for attr in ("reach", "views", "engagement"):
            if getattr(r, attr) is not None:
                setattr(total, attr, (getattr(total, attr) or 0) + getattr(r, attr))
    return total


def build(session: Session, *, period: Period, tz: ZoneInfo, unit_code: str | None = None,
          today: dt.date | None = None) -> Report:
    from phuxanh.reports.wording import assess  # the wording lives apart from the numbers

    unit = session.exec(select(Unit).where(Unit.code == unit_code)).first() if unit_code \
        else None
    if unit_code and unit is None:
        raise ValidationFailed([f"--unit: no unit {unit_code!r}"])
    channels = list(session.exec(select(Channel)))
    if unit is not None:
        channels = [c for c in channels if c.unit_id == unit.id]
    campaigns = list(session.exec(select(Campaign).order_by(col(Campaign.id))))
    if unit is not None:
        campaigns = [c for c in campaigns if c.unit_id == unit.id] or campaigns
    spec = CampaignSpec.model_validate(campaigns[0].config) if campaigns else None
    fig = figures(session, period=period, tz=tz,
                  channel_ids=[c.id or 0 for c in channels] if unit is not None else None)
    themes = {t.code: t.title_vi for t in session.exec(select(Theme))}
    names = {c.code: f"{c.display_name} ({c.platform})" for c in channels}
    theme_rows, channel_rows = _rows(fig, themes, 0), _rows(fig, names, 1)
    lead = session.get(Unit, campaigns[0].unit_id) if campaigns else None
    people = [u for u in session.exec(select(User).where(User.active))
              if unit is None or u.unit_id == unit.id]
    owner = unit or lead
    report = Report(
        period=period, unit=owner.name if owner is not None else "",
        spec=spec.report if spec else ReportSpec(), themes=theme_rows, channels=channel_rows,
        totals=_total(theme_rows), waves=[], six=[], gaps=[], strengths=[], next_steps=[],
        top_posts=top_posts(session, period=period, tz=tz,
                            channel_ids=[c.id or 0 for c in channels]),
        generated_on=today or dt.datetime.now(tz).date())
    lo, hi = _bounds(period, tz)
    first, last = session.exec(
        select(func.min(Slot.scheduled_at), func.max(Slot.scheduled_at))
        .where(col(Slot.scheduled_at) >= lo, col(Slot.scheduled_at) < hi)).one()
    if first is not None and last is not None:
        report.plan_days = (_local(last, tz) - _local(first, tz)).days + 1
    key_dates = list(session.exec(select(KeyDate).order_by(col(KeyDate.on_date))))
    assess(report, spec=spec, people=people, key_dates=key_dates, themes=themes)
    report.audit_head = str(audit.head(session).anchor)
    return report


def top_posts(session: Session, *, period: Period, tz: ZoneInfo, channel_ids: list[int],
              limit: int = 5) -> list[dict[str, Any]]:
    lo, hi = _bounds(period, tz)
    rows = session.exec(
        select(Publication, ContentItem, Channel)
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .join(Channel, col(Channel.id) == col(Publication.channel_id))
        .where(Publication.state == PubState.published, col(Publication.published_at) >= lo,
               col(Publication.published_at) < hi, col(Publication.channel_id).in_(channel_ids),
               col(Publication.latest_reach).is_not(None))
        .order_by(col(Publication.latest_reach).desc()).limit(limit)
    ).all()
    return [{"channel": c.display_name, "platform": c.platform, "url": p.remote_url,
             "reach": p.latest_reach, "views": p.latest_views, "media": stored.shown(i.media_path),
             "text": i.caption.splitlines()[0] if i.caption else "",
             "published": p.published_at.astimezone(tz) if p.published_at else None}
            for p, i, c in rows]


def due_dates(session: Session, *, today: dt.date) -> list[dict[str, Any]]:
    """The next due date of each report the campaign files ask for, soonest first."""
    out = []
    for campaign in session.exec(select(Campaign).order_by(col(Campaign.code))):
        spec = CampaignSpec.model_validate(campaign.config)
        for due in spec.report.due:
            day, month = (int(x) for x in due.due.split("/"))
            when = dt.date(today.year, month, day)
            if when < today:
                when = dt.date(today.year + 1, month, day)
            period = period_of(due.period, when)
            out.append({"campaign": campaign.code, "kind": due.period, "due": when,
                        "days_left": (when - today).days, "period": period.code,
                        "label": period.label_vi, "source": due.source})
    return sorted(out, key=lambda r: (r["due"], r["campaign"]))
